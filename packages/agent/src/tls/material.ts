import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** The bundle the certificate must chain to (agent.yaml tlsCaFile); unchecked when absent. */
  caFile?: string;
}

/** A certificate and its key as read from the TLS Secret's files, checked to be fit to serve. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate: what changes when cert-manager renews it. */
  fingerprint: string;
  serial: string;
  notAfter: Date;
}

/** The names the agent and its tools reach their own server by (docs/runtime.md, "TLS"). */
const LOOPBACK = { host: 'localhost', ip: '127.0.0.1' };

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`TLS ${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

/** Every certificate of a PEM bundle. */
function certificates(pem: Buffer, path: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`TLS certificate ${path}: expected PEM certificates, found none`);
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new Error(`TLS certificate ${path}: expected PEM certificates (${(error as Error).message})`);
  }
}

/** Whether `leaf` chains to a certificate of `roots`, through the intermediates its own file carries. */
function chains(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[]): boolean {
  let current = leaf;
  for (let depth = 0; depth < 5; depth++) {
    if (roots.some((root) => current.checkIssued(root) && current.verify(root.publicKey))) return true;
    const parent = intermediates.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!parent) return false;
    current = parent;
  }
  return false;
}

/**
 * Reads the certificate and key and checks they are fit to serve: the key is the certificate's, the certificate is
 * valid now, names loopback and chains to the CA bundle. Throws, naming the file and what was expected, otherwise:
 * the Secret is then half-written or wrong, and serving it would break every new connection, the agent's own too.
 */
export function readTlsMaterial(files: TlsFiles, now = new Date()): TlsMaterial {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  const [leaf, ...intermediates] = certificates(cert, files.certFile);
  const x509 = leaf!;
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new Error(`TLS key ${files.keyFile}: expected a PEM private key (${(error as Error).message})`);
  }
  if (!matches) throw new Error(`TLS key ${files.keyFile}: expected the private key of ${files.certFile} (serial ${x509.serialNumber}), got another key`);
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  if (now < notBefore || now > notAfter) throw new Error(`TLS certificate ${files.certFile}: expected one valid now, got one valid from ${notBefore.toISOString()} to ${notAfter.toISOString()}`);
  if (!x509.checkHost(LOOPBACK.host) || !x509.checkIP(LOOPBACK.ip)) {
    throw new Error(`TLS certificate ${files.certFile}: expected the names ${LOOPBACK.host} and ${LOOPBACK.ip} among its subject alternative names, got ${x509.subjectAltName ?? 'none'}`);
  }
  if (files.caFile && !chains(x509, intermediates, certificates(read(files.caFile, 'CA bundle'), files.caFile))) {
    throw new Error(`TLS certificate ${files.certFile}: expected one issued by a CA of ${files.caFile}, got one issued by ${x509.issuer.replaceAll('\n', ', ')}`);
  }
  return { cert, key, fingerprint: x509.fingerprint256, serial: x509.serialNumber, notAfter };
}
