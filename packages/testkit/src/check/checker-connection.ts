import type mysql from 'mysql2/promise';
import { CHECK_SCHEMA, CHECKER_USER } from '../mariadb/bootstrap-sql.js';
import type { MariaServer } from '../mariadb/server.js';

/**
 * A connection as the checker's application user (SELECT, INSERT on the check schema only), so a read-only
 * server refuses its writes as it would an application's. Connection-level errors are left to the next query.
 */
export async function connectAsChecker(server: MariaServer, connectTimeoutMs: number): Promise<mysql.Connection> {
  const connection = await server.connect({ user: CHECKER_USER, password: server.secrets.checkerPassword, database: CHECK_SCHEMA, connectTimeoutMs });
  connection.on('error', () => {});
  return connection;
}
