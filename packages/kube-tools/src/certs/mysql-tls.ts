import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCa, serverExtensions, signWithCa, type IssuedPair } from './openssl.js';

/** The files of a `kubernetes.io/tls` Secret as cert-manager writes it, plus the CA's key to issue renewals with. */
export interface MysqlTlsFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly caKey: string;
}

export interface MysqlTlsOptions {
  /** Host names the certificate is valid for (SAN), e.g. `*.mysql.mysqlha-dev.svc`. */
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  /** Days the server certificate is valid; the CA lives ten times as long. */
  days?: number;
}

function files(dir: string): MysqlTlsFiles {
  return { dir, cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key') };
}

/**
 * A CA and a server certificate signed by it in `dir` (tls.crt, tls.key, ca.crt, ca.key), where cert-manager would
 * otherwise write them: for the dev overlay and local clusters.
 */
export async function makeMysqlTls(dir: string, options: MysqlTlsOptions): Promise<MysqlTlsFiles> {
  const days = options.days ?? 365;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, 'ca', '/CN=mysqlha-ca', days * 10);
  return renewMysqlTls(dir, options, ca);
}

/** A new server certificate and key from the CA already in `dir`, as a renewal by cert-manager gives. */
export async function renewMysqlTls(dir: string, options: MysqlTlsOptions, ca: IssuedPair = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') }): Promise<MysqlTlsFiles> {
  const f = files(dir);
  const staging = join(dir, 'next');
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    const issued = await signWithCa(staging, 'tls', '/CN=mysqlha', ca, serverExtensions(options.dnsNames, options.ipAddresses ?? []), options.days ?? 365);
    // Each file is replaced whole; between the two renames a reader sees a key that is not the certificate's
    // and tries again, as with a Secret caught mid-update.
    await chmod(issued.key, 0o600);
    await rename(issued.key, f.key);
    await rename(issued.cert, f.cert);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return f;
}
