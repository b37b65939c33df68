import mysql from 'mysql2/promise';
import { connectionOptions, type MysqlTarget } from './mysql.js';

/** mysql2's codes for a server that offers no TLS, or a certificate the CA or the host name does not verify. */
const NO_VERIFIED_TLS = new Set(['HANDSHAKE_NO_SSL_SUPPORT', 'HANDSHAKE_SSL_ERROR']);

/**
 * Whether a replication source serves a certificate `target.sslCaFile` verifies for its host name: `yes`, `no` (it
 * offers no TLS, or a certificate that fails verification), or `unknown` (unreachable, login refused: no reason to
 * think TLS is the problem).
 */
export async function sourceServesVerifiedTls(target: MysqlTarget & { sslCaFile: string }, timeoutMs: number): Promise<'yes' | 'no' | 'unknown'> {
  try {
    const conn = await mysql.createConnection(connectionOptions(target, timeoutMs));
    conn.destroy();
    return 'yes';
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    return NO_VERIFIED_TLS.has(code) ? 'no' : 'unknown';
  }
}
