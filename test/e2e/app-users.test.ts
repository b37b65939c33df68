import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { now, waitFor, type MariaServer } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

const dir = mkdtempSync(join(tmpdir(), 'mysqlha-users-'));
const usersFile = join(dir, 'users.yaml');
const GRACE_SECONDS = 12;

function login(server: MariaServer, user: string, password: string): Promise<mysql.Connection> {
  return server.connect({ user, password });
}

async function canLogin(server: MariaServer, user: string, password: string): Promise<boolean> {
  try {
    await (await login(server, user, password)).end();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') return false;
    throw err;
  }
}

const secret = () => randomBytes(18).toString('base64url');

// Application users declared in users.yaml (as an overlay's ConfigMap key), their passwords in the Secret's files,
// on agents against the fake API.
describe('application users and password rotation', () => {
  const h = useCluster(16900, { usersFile, passwordGraceSeconds: GRACE_SECONDS });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const appPassword = secret();

  it('the leader creates a declared user and its database; a read-only server refuses its writes', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const secrets = c.servers[0]!.secrets.dir;
    writeFileSync(join(secrets, 'user-app-password'), appPassword, { mode: 0o600 });
    writeFileSync(usersFile, 'users:\n  - name: app\n    database: appdb\n');
    await waitFor('app logs in on the leader', () => canLogin(c.server(leader), 'app', appPassword), { timeoutMs: 20_000 });

    const onLeader = await login(c.server(leader), 'app', appPassword);
    await onLeader.query('CREATE TABLE appdb.t (id INT PRIMARY KEY)');
    await onLeader.query('INSERT INTO appdb.t VALUES (1)');
    await expect(onLeader.query('CREATE DATABASE other'), 'no database but its own').rejects.toMatchObject({ code: 'ER_DBACCESS_DENIED_ERROR' });
    const [grants] = await onLeader.query<mysql.RowDataPacket[]>('SHOW GRANTS');
    expect(grants.map((g) => Object.values(g)[0])).toEqual([
      expect.stringMatching(/^GRANT USAGE ON \*\.\* TO `app`@`%`/),
      'GRANT ALL PRIVILEGES ON `appdb`.* TO `app`@`%`',
    ]);
    await onLeader.end();

    for (const follower of c.servers.filter((s) => s.name !== leader)) {
      const conn = await waitFor(`app logs in on ${follower.name} (the account replicated)`, () => login(follower, 'app', appPassword).catch(() => undefined), { timeoutMs: 20_000 });
      try {
        await waitFor(`${follower.name} has the row`, async () => ((await conn.query<mysql.RowDataPacket[]>('SELECT id FROM appdb.t'))[0].length === 1 ? true : undefined), { timeoutMs: 10_000 });
        await expect(conn.query('INSERT INTO appdb.t VALUES (2)'), `${follower.name} refuses the write`).rejects.toMatchObject({ code: 'ER_OPTION_PREVENTS_STATEMENT' });
      } finally {
        await conn.end();
      }
    }
  });

  it('a malformed users.yaml is reported with its field and changes nothing', async () => {
    const { c } = h;
    const before = now();
    writeFileSync(usersFile, 'users:\n  - name: app\n    database: appdb\n    acess: readonly\n');
    await waitFor('an AccountsNotApplied Event', () => c.kube.timeline.events.find((e) => e.time > before && e.reason === 'AccountsNotApplied'), { timeoutMs: 20_000 }).then((e) =>
      expect(e.message).toMatch(/users\.yaml: users\[0\]\.acess: expected no such key/),
    );
    writeFileSync(usersFile, 'users:\n  - name: app\n    database: appdb\n');
  });

  it('rotating every password fails no login; the old ones stop working after the grace period', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const secrets = c.servers[0]!.secrets;
    const keys = ['user-app-password', 'replication-password', 'agent-password', 'clone-password'] as const;
    const old = Object.fromEntries(keys.map((k) => [k, readFileSync(join(secrets.dir, k), 'utf8')])) as Record<(typeof keys)[number], string>;
    const fresh = Object.fromEntries(keys.map((k) => [k, secret()])) as Record<(typeof keys)[number], string>;

    // A client logging in with the password it knows, on every server, until the new one works everywhere.
    const failed: string[] = [];
    let stop = false;
    const client = (async () => {
      while (!stop) {
        for (const s of c.servers) {
          if (!(await canLogin(s, 'app', old['user-app-password']).catch(() => true))) failed.push(`${s.name} at ${Math.round(now())}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const rotatedAt = now();
    for (const k of keys) writeFileSync(join(secrets.dir, k), fresh[k], { mode: 0o600 });
    c.load.start();
    try {
      for (const s of c.servers) {
        await waitFor(`the new app password works on ${s.name}`, () => canLogin(s, 'app', fresh['user-app-password']), { timeoutMs: 20_000 });
        // Used on their own server only: each agent sets them there itself, at once.
        await waitFor(`the new agent password works on ${s.name}`, () => canLogin(s, 'mysqlha_agent', fresh['agent-password']), { timeoutMs: 20_000 });
        await waitFor(`the new clone password works on ${s.name}`, () => canLogin(s, 'mysqlha_clone', fresh['clone-password']), { timeoutMs: 20_000 });
      }
      // Every follower's IO thread logs in with the new replication password, and replication never stopped on a refused login.
      for (const f of c.servers.filter((s) => s.name !== leader)) {
        await waitFor(`${f.name} replicates with the new password`, () => readFileSync(join(f.dataDir, 'master.info'), 'utf8').split('\n')[5] === fresh['replication-password'], { timeoutMs: 20_000 });
        const [status] = await f.query<{ Last_IO_Errno: number }>('SHOW SLAVE STATUS');
        expect(status?.Last_IO_Errno, `${f.name} IO thread error`).toBe(0);
      }
      await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    } finally {
      stop = true;
      await client;
    }
    expect(failed, 'logins with the old password refused while it was still valid').toEqual([]);
    expect(c.kube.timeline.events.filter((e) => e.time > rotatedAt && e.reason === 'AccountUpdated').map((e) => e.message).join('\n')).toMatch(/repl@%: rotated/);

    // The agents log in with the new password: a restarted one, and a failover that needs every peer's agent.
    const follower = c.servers.find((s) => s.name !== leader)!.name;
    await c.agent(follower).kill9();
    await c.agent(follower).start();
    const killedAt = now();
    await c.server(leader).kill9();
    await c.server(leader).start();
    const next = await waitHealthy(c, 30_000);
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });

    await waitFor('the old app password retired', async () => !(await canLogin(c.server(next), 'app', old['user-app-password'])), { timeoutMs: (GRACE_SECONDS + 20) * 1000 });
    expect(await canLogin(c.server(next), 'mysqlha_agent', old['agent-password']), 'the old agent password retired').toBe(false);
    expect(await canLogin(c.server(next), 'app', fresh['user-app-password'])).toBe(true);
    await verifyInvariants(c);
  });
  it("an agent started on a datadir without its own accounts (older than them) creates them and rejoins", async () => {
    const { c } = h;
    const leader = await waitHealthy(c, 30_000);
    const follower = c.servers.find((s) => s.name !== leader)!;
    await c.agent(follower.name).kill9();
    for (const user of ['mysqlha_agent', 'mysqlha_clone', 'mysqlha_admin']) {
      await follower.query(`SET STATEMENT sql_log_bin = 0 FOR DROP USER '${user}'@'127.0.0.1'`);
    }
    await c.agent(follower.name).start();
    await waitFor(`${follower.name}'s agent follows again`, async () => (await c.status(follower.name)).decision === `following ${leader}`, { timeoutMs: 30_000 });
    expect(await waitHealthy(c, 30_000)).toBe(leader);
    const accounts = await follower.query<{ u: string }>("SELECT User AS u FROM mysql.global_priv WHERE User LIKE 'mysqlha%' ORDER BY User");
    expect(accounts.map((a) => a.u)).toEqual(expect.arrayContaining(['mysqlha_admin', 'mysqlha_agent', 'mysqlha_clone']));
  });
});
