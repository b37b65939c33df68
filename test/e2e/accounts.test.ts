import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AGENT_ACCOUNT, CLONE_ACCOUNT } from '@mysqlha/config';
import { CHECK_SCHEMA, CHECK_TABLE, CHECKER_USER, startServers, stopAll, type MariaServer } from '@mysqlha/testkit';

const RUNTIME_DOC = fileURLToPath(new URL('../../docs/runtime.md', import.meta.url));

/** The "Accounts" table of docs/runtime.md: account -> its global privileges, as written there. */
function documentedAccounts(): Map<string, string[]> {
  const doc = readFileSync(RUNTIME_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Accounts'), doc.indexOf('**Application users**'));
  const table = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const [accounts, privileges] = line.split('|').slice(1, 3).map((cell) => cell.trim()) as [string, string];
    for (const account of accounts.match(/`[^`]+`/g) ?? []) table.set(account.slice(1, -1), privileges.split(',').map((p) => p.trim()));
  }
  return table;
}

/** The global privileges `SHOW GRANTS` lists for an account, as the docs write them. */
async function globalPrivileges(server: MariaServer, account: string): Promise<string[]> {
  const [user, host] = account.split('@') as [string, string];
  const rows = await server.query<Record<string, string>>(`SHOW GRANTS FOR '${user}'@'${host}'`);
  const global = rows.map((r) => Object.values(r)[0]!).find((g) => / ON \*\.\* TO /.test(g))!;
  const privileges = /^GRANT (.+) ON \*\.\* TO /.exec(global)![1]!;
  if (privileges === 'ALL PRIVILEGES') return [global.includes('WITH GRANT OPTION') ? 'ALL PRIVILEGES' : 'ALL PRIVILEGES (no grant option)'];
  return privileges.split(', ').sort();
}

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
    expect(accounts).toEqual(['mariadb.sys@localhost', 'mysqlha_admin@127.0.0.1', 'mysqlha_agent@127.0.0.1', 'mysqlha_clone@127.0.0.1', 'mysqlha_exporter@localhost', 'repl@%', 'root@127.0.0.1', 'root@localhost']);
    for (const r of rows.filter((r) => r.account !== 'mariadb.sys@localhost')) {
      expect(r.plugin, r.account).toBe('mysql_native_password');
    }
  });

  it('hold exactly the global privileges docs/runtime.md lists for them', async () => {
    const documented = documentedAccounts();
    for (const account of ['root@localhost', 'root@127.0.0.1', 'repl@%', 'mysqlha_agent@127.0.0.1', 'mysqlha_clone@127.0.0.1', 'mysqlha_exporter@localhost']) {
      const written = documented.get(account);
      expect(written, `docs/runtime.md lists ${account}`).toBeDefined();
      const want = written![0] === 'ALL PRIVILEGES' ? ['ALL PRIVILEGES'] : [...written!].sort();
      expect(await globalPrivileges(server, account), account).toEqual(want);
    }
    expect(documented.get('mysqlha_admin@127.0.0.1')).toEqual(['ALL PRIVILEGES but READ_ONLY ADMIN', 'WITH GRANT OPTION']);
    const admin = await globalPrivileges(server, 'mysqlha_admin@127.0.0.1');
    expect(admin).toEqual(expect.arrayContaining(['SUPER', 'CREATE USER', 'SELECT', 'INSERT']));
    expect(admin).not.toContain('READ_ONLY ADMIN');
  });

  it('mysqlha_admin, unlike root, is refused by a read-only server', async () => {
    const [was] = await server.query<{ ro: number }>('SELECT @@global.read_only AS ro');
    await server.query('SET GLOBAL read_only = ON');
    try {
      const admin = await server.connect({ user: 'mysqlha_admin' });
      try {
        await expect(admin.query("CREATE USER intruder IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'")).rejects.toMatchObject({ code: 'ER_OPTION_PREVENTS_STATEMENT' });
        await expect(admin.query(`INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} VALUES (1, 'x')`)).rejects.toMatchObject({ code: 'ER_OPTION_PREVENTS_STATEMENT' });
      } finally {
        await admin.end();
      }
    } finally {
      await server.query('SET GLOBAL read_only = ?', [Number(was!.ro)]);
    }
  });

  it("the agent's and the clone's accounts can neither read nor write application data", async () => {
    // Writable, so that a refused write is refused for want of privileges, not by read_only.
    const [was] = await server.query<{ ro: number }>('SELECT @@global.read_only AS ro');
    await server.query('SET GLOBAL read_only = OFF');
    onTestFinished(() => server.query('SET GLOBAL read_only = ?', [Number(was!.ro)]).then(() => undefined));
    for (const [account, key] of [
      [AGENT_ACCOUNT, 'agentPassword'],
      [CLONE_ACCOUNT, 'clonePassword'],
    ] as const) {
      const c = await server.connect({ user: account.user, password: server.secrets[key] });
      try {
        await expect(c.query(`SELECT id FROM ${CHECK_SCHEMA}.${CHECK_TABLE} LIMIT 1`), `${account.user} reads`).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
        await expect(c.query(`INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} VALUES (1, 'x')`), `${account.user} writes`).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
        await expect(c.query('CREATE USER intruder'), `${account.user} creates users`).rejects.toMatchObject({ code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' });
      } finally {
        await c.end();
      }
    }
  });
});
