import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKER_USER, startServers, stopAll, type MariaServer } from '@mysqlha/testkit';

// One server bootstrapped exactly as `agent init` does (mariadb-install-db with the production accounts), on 16830.
describe('the accounts a bootstrapped server holds', () => {
  let server: MariaServer;
  beforeAll(async () => {
    [server] = (await startServers({ count: 1, portBase: 16830 })) as [MariaServer];
  });
  afterAll(stopAll);

  it('are the documented ones, every one logging in with a password (no unix_socket, no account for the OS user)', async () => {
    const rows = await server.query<{ account: string; plugin: string }>(
      "SELECT CONCAT(User, '@', Host) AS account, JSON_VALUE(Priv, '$.plugin') AS plugin FROM mysql.global_priv ORDER BY account",
    );
    const accounts = rows.map((r) => r.account).filter((a) => a !== `${CHECKER_USER}@127.0.0.1`);
    expect(accounts).toEqual(['mariadb.sys@localhost', 'repl@%', 'root@127.0.0.1', 'root@localhost']);
    for (const r of rows.filter((r) => r.account !== 'mariadb.sys@localhost')) {
      expect(r.plugin, r.account).toBe('mysql_native_password');
    }
  });
});
