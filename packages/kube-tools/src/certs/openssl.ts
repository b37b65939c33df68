import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new Error(`openssl ${args[0]} failed: ${detail}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface IssuedPair {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed CA (P-256) as `<name>.crt` and `<name>.key` in `dir`. */
export async function makeCa(dir: string, name: string, subject: string, days: number): Promise<IssuedPair> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', key, '-out', cert, '-days', String(days), '-subj', subject]);
  return { cert, key };
}

/** A P-256 key and a certificate signed by `ca`, with `extensions` (an openssl extension file's text), as `<name>.crt` and `<name>.key`. */
export async function signWithCa(dir: string, name: string, subject: string, ca: IssuedPair, extensions: string, days: number): Promise<IssuedPair> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', String(days), '-extfile', ext]);
  return { cert, key };
}

/** Extensions of a certificate for both ends of TLS connections between the cluster's servers. */
export function serverExtensions(dnsNames: readonly string[], ipAddresses: readonly string[]): string {
  const names = [...ipAddresses.map((ip) => `IP:${ip}`), ...dnsNames.map((dns) => `DNS:${dns}`)];
  return ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth', `subjectAltName=${names.join(',')}`, ''].join('\n');
}
