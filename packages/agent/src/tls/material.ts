import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate and its key as read from the TLS Secret's files, checked to belong together. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate: what changes when cert-manager renews it. */
  fingerprint: string;
  serial: string;
  notAfter: Date;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`TLS ${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

/**
 * Reads the certificate and key. Throws, naming the file and what was expected, when either is unreadable, not
 * PEM, or when the key is not the certificate's: the Secret is then half-written or wrong, and serving it would
 * break every new connection.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`TLS certificate ${files.certFile}: expected a PEM certificate (${(error as Error).message})`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new Error(`TLS key ${files.keyFile}: expected a PEM private key (${(error as Error).message})`);
  }
  if (!matches) throw new Error(`TLS key ${files.keyFile}: expected the private key of ${files.certFile} (serial ${x509.serialNumber}), got another key`);
  return { cert, key, fingerprint: x509.fingerprint256, serial: x509.serialNumber, notAfter: new Date(x509.validTo) };
}
