import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCa, signWithCa } from '../certs/openssl.js';

/** Every certificate and key a control plane needs, as files in its folder. */
export interface Certs {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  /** Client certificates by user: admin (system:masters), kube-controller-manager, kube-scheduler. */
  readonly clients: Readonly<Record<ClientName, { cert: string; key: string }>>;
}

export type ClientName = 'admin' | 'kube-controller-manager' | 'kube-scheduler';

const CLIENT_SUBJECTS: Record<ClientName, string> = {
  admin: '/O=system:masters/CN=mysqlha-admin',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
};

/**
 * A fresh CA, a serving certificate for 127.0.0.1, the `kubernetes` Service address (first of the service range,
 * where pods reach the API) and the in-cluster names, client certificates for the admin and the controllers, and
 * the ServiceAccount token signing key pair. Made at every start: nothing is reused.
 */
export async function makeCerts(dir: string): Promise<Certs> {
  const ca = await makeCa(dir, 'ca', '/CN=mysqlha-test-ca', 2);
  const server = await signWithCa(dir, 'apiserver', '/CN=kube-apiserver', ca, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
    '',
  ].join('\n'), 2);
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  const clients = {} as Record<ClientName, { cert: string; key: string }>;
  for (const name of Object.keys(CLIENT_SUBJECTS) as ClientName[]) {
    clients[name] = await signWithCa(dir, name, CLIENT_SUBJECTS[name], ca, clientExt, 2);
  }
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  await writeFile(serviceAccountKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(serviceAccountPub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { caCert: ca.cert, caKey: ca.key, serverCert: server.cert, serverKey: server.key, serviceAccountKey, serviceAccountPub, clients };
}
