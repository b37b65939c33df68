import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new Error(`openssl ${args[0]} failed: ${detail}`);
  }
}

async function signed(dir: string, name: string, subject: string, caCert: string, caKey: string, extensions: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}

/**
 * A fresh CA, a serving certificate for 127.0.0.1 and the in-cluster names, client certificates for the admin
 * and the controllers, and the ServiceAccount token signing key pair. Made at every start: nothing is reused.
 */
export async function makeCerts(dir: string): Promise<Certs> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', '/CN=mysqlha-test-ca']);
  const server = await signed(dir, 'apiserver', '/CN=kube-apiserver', caCert, caKey, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
    '',
  ].join('\n'));
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  const clients = {} as Record<ClientName, { cert: string; key: string }>;
  for (const name of Object.keys(CLIENT_SUBJECTS) as ClientName[]) {
    clients[name] = await signed(dir, name, CLIENT_SUBJECTS[name], caCert, caKey, clientExt);
  }
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  await writeFile(serviceAccountKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(serviceAccountPub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { caCert, caKey, serverCert: server.cert, serverKey: server.key, serviceAccountKey, serviceAccountPub, clients };
}
