import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaServer, replicateFrom, startServers, stopAll, waitApplied } from '../src/index.js';

// Ports 15000-15099 are this file's.
describe('real mariadbd servers', () => {
  let servers: MariaServer[];

  beforeAll(async () => {
    servers = await startServers({ count: 3, portBase: 15000 });
  });
  afterAll(stopAll);

  it('start read-only, with distinct server ids and the same empty GTID state', async () => {
    const states = await Promise.all(
      servers.map((s) => s.query<{ id: number; ro: number; gtid: string }>('SELECT @@server_id id, @@read_only ro, @@gtid_binlog_pos gtid')),
    );
    expect(states.map(([row]) => row?.id)).toEqual([1, 2, 3]);
    expect(states.map(([row]) => row?.ro)).toEqual([1, 1, 1]);
    expect(states.map(([row]) => row?.gtid)).toEqual(['', '', '']);
    expect(servers.map((s) => s.name)).toEqual(['mysql-0', 'mysql-1', 'mysql-2']);
  });

  it('keep credentials in 0600 files of the secrets dir', () => {
    const dir = servers[0]!.secrets.dir;
    for (const key of ['root-password', 'replication-password', 'agent-password', 'clone-password', 'clone-token']) {
      expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    }
  });

  it('replicate by GTID from any server to the others', async () => {
    const [a, b, c] = servers as [MariaServer, MariaServer, MariaServer];
    await replicateFrom(b, a);
    await replicateFrom(c, a);
    await a.query('CREATE TABLE mysqlha_check.t (id INT PRIMARY KEY)');
    await a.query('INSERT INTO mysqlha_check.t VALUES (1), (2)');
    await waitApplied(b, a);
    await waitApplied(c, a);
    expect(await c.value('SELECT COUNT(*) FROM mysqlha_check.t')).toBe(2);

    // Switch the source to b: c keeps following by GTID without positions.
    await a.query('SET GLOBAL read_only = ON');
    await b.query('STOP SLAVE');
    await replicateFrom(c, b);
    await a.query("SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos");
    await replicateFrom(a, b);
    await b.query('INSERT INTO mysqlha_check.t VALUES (3)');
    await waitApplied(a, b);
    await waitApplied(c, b);
    const positions = await Promise.all(servers.map((s) => s.value('SELECT @@gtid_current_pos')));
    expect(new Set(positions).size).toBe(1);
    expect(await a.value('SELECT COUNT(*) FROM mysqlha_check.t')).toBe(3);
  });

  it('survive kill -9 and start again with their data', async () => {
    const server = servers[2]!;
    const pid = server.pid;
    await server.kill9();
    expect(server.isRunning()).toBe(false);
    expect(() => process.kill(pid!, 0)).toThrow();
    await expect(server.query('SELECT 1')).rejects.toThrow();
    await server.start();
    expect(server.pid).not.toBe(pid);
    // Recovery as a replica (init_rpl_role=SLAVE) may roll back what it applied last; replication re-fetches it.
    await server.query('START SLAVE');
    await waitApplied(server, servers[1]!);
    expect(await server.value('SELECT COUNT(*) FROM mysqlha_check.t')).toBe(3);
  });

  it('stop cleanly and restart', async () => {
    const server = servers[1]!;
    await server.stop();
    expect(server.isRunning()).toBe(false);
    await server.start();
    expect(await server.value('SELECT @@read_only')).toBe(1);
  });

  it('refuse at once to start on a datadir without the harness accounts', async () => {
    const [other] = await startServers({ count: 1, portBase: 15010 });
    await other!.stop();
    rmSync(other!.dataDir, { recursive: true });
    mkdirSync(other!.dataDir);
    execFileSync('mariadb-install-db', [`--defaults-file=${other!.configFile}`, '--skip-test-db'], { stdio: 'ignore' });
    await expect(other!.start()).rejects.toThrow(/mysql-0: answers on port 15010 but refuses root@127.0.0.1/);
    expect(other!.isRunning()).toBe(false);
  });

  it('refuse to start on a port another process answers on', async () => {
    await expect(startServers({ count: 1, portBase: 15000 })).rejects.toThrow('mysql-0: port 15000 on 127.0.0.1 is already in use by another process');
  });

  it('fail with the tail of the error log when mariadb-install-db or mariadbd fails', async () => {
    await expect(startServers({ count: 1, portBase: 15020, settings: { no_such_option: 1 } })).rejects.toThrow(
      /mysql-0: mariadb-install-db failed[\s\S]*unknown variable 'no_such_option=1'/,
    );
    const [other] = await startServers({ count: 1, portBase: 15030 });
    await other!.stop();
    appendFileSync(other!.configFile, 'no_such_option = 2\n');
    await expect(other!.start()).rejects.toThrow(
      /mysql-0: mariadbd exited \(code \d+, signal null\) while starting on port 15030[\s\S]*unknown variable 'no_such_option=2'/,
    );
  });
});
