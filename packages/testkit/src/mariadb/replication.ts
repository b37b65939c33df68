import type { MariaServer } from './server.js';

/** Points `replica` at `source` by GTID (slave_pos), over verified TLS when the source has a certificate, and starts replication; the password goes in the query, never argv. */
export async function replicateFrom(replica: MariaServer, source: MariaServer): Promise<void> {
  await replica.query('STOP SLAVE');
  const ca = source.tls?.ca ?? '';
  await replica.query(
    "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=?, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, " +
      'MASTER_SSL=?, MASTER_SSL_CA=?, MASTER_SSL_VERIFY_SERVER_CERT=?',
    [source.port, source.secrets.replicationPassword, ca ? 1 : 0, ca, ca ? 1 : 0],
  );
  await replica.query('START SLAVE');
}

/** Waits until `replica` has applied everything `source` has binlogged so far. */
export async function waitApplied(replica: MariaServer, source: MariaServer, timeoutMs = 30_000): Promise<void> {
  const position = await source.value<string>('SELECT @@gtid_binlog_pos');
  const result = await replica.value<number>('SELECT MASTER_GTID_WAIT(?, ?)', [position, timeoutMs / 1000]);
  if (Number(result) !== 0) {
    const [status] = await replica.query('SHOW SLAVE STATUS');
    throw new Error(
      `${replica.name} did not apply ${source.name}'s ${position} within ${timeoutMs} ms: ` +
        `Slave_IO_Running=${status?.Slave_IO_Running} Slave_SQL_Running=${status?.Slave_SQL_Running} ` +
        `Last_IO_Error=${status?.Last_IO_Error} Last_SQL_Error=${status?.Last_SQL_Error}`,
    );
  }
}
