import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROLE_LABEL } from '@mysqlha/config';
import {
  type FakeKube,
  type MariaServer,
  WritableWatcher,
  WriteLoad,
  assertConverged,
  logTails,
  now,
  replicateFrom,
  startFakeKube,
  startServers,
  stopAll,
  clusterNotReady,
  waitApplied,
  waitFor,
  waitForCluster,
} from '../src/index.js';

// Ports 15300-15399 are this file's. Roles are set by hand here (no agents); the API server is the in-process fake.
describe('write checkers against real servers and the fake Kubernetes API', () => {
  let servers: MariaServer[];
  let kube: FakeKube;
  let a: MariaServer, b: MariaServer, c: MariaServer;

  async function makeLeader(leader: MariaServer, followers: MariaServer[]): Promise<void> {
    for (const follower of followers) {
      await follower.query('SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos').catch(() => undefined);
      await replicateFrom(follower, leader);
    }
    await leader.query('STOP SLAVE');
    await leader.query('SET GLOBAL read_only = OFF');
    for (const server of servers) if (server !== leader) kube.setPodLabels(server.name, { [ROLE_LABEL]: 'follower' });
    kube.setPodLabels(leader.name, { [ROLE_LABEL]: 'leader' });
  }

  beforeAll(async () => {
    servers = await startServers({ count: 3, portBase: 15300 });
    [a, b, c] = servers as [MariaServer, MariaServer, MariaServer];
    kube = await startFakeKube({ port: 15330, namespace: 'mysqlha', pods: servers.map((s) => s.name) });
    await makeLeader(a, [b, c]);
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(logTails({ servers }))));
  afterAll(stopAll);

  it('waitForCluster sees one writable leader with every other server replicating from it', async () => {
    expect(await waitForCluster(servers, kube)).toBe('mysql-0');
    await c.query('STOP SLAVE');
    try {
      expect(await clusterNotReady(servers, kube)).toBe('mysql-2: IO No, SQL No');
    } finally {
      await c.query('START SLAVE');
    }
    expect(await waitForCluster(servers, kube)).toBe('mysql-0');
  });

  it('WriteLoad writes through the pod labelled leader and assertConverged finds every acknowledged write everywhere', async () => {
    const load = new WriteLoad({ kube, servers }).start();
    await waitFor('50 acknowledged writes', () => load.acked.length >= 50);
    await load.stop();
    expect(new Set(load.acked.map((w) => w.pod))).toEqual(new Set(['mysql-0']));
    const result = await assertConverged(servers, load);
    expect(result.leader).toBe('mysql-0');
    expect(result.rows).toBe(load.acked.length);
  });

  it('WriteLoad follows the leader label through a failover, and assertConverged passes after the old leader rejoins', async () => {
    const load = new WriteLoad({ kube, servers }).start();
    await waitFor('writes on mysql-0', () => load.acked.length >= 20);
    // Replication here is asynchronous and nothing guards it: fence the old leader and let the replicas catch up
    // first, or its last commits would be lost (and assertConverged would rightly say so).
    const fencedAt = now();
    await a.query('SET GLOBAL read_only = ON');
    await waitApplied(b, a);
    await waitApplied(c, a);
    // A clean stop: after kill -9, recovery may roll back the last commit, which this server, replicating without
    // the semi-sync replica side, then skips as its own server_id's: the rejoin below would not converge.
    await a.stop();
    expect(load.errors).toBeGreaterThan(0);
    await makeLeader(b, [c]);
    const first = await load.waitForAckAfter(fencedAt, { notOn: 'mysql-0' });
    expect(first.pod).toBe('mysql-1');
    await waitFor('more writes on mysql-1', () => load.acked.filter((w) => w.pod === 'mysql-1').length >= 20);
    await load.stop();

    await a.start();
    await makeLeader(b, [a, c]);
    await assertConverged(servers, load);
  });

  it('assertConverged names the replica and the id of an acknowledged row deleted behind replication', async () => {
    const load = new WriteLoad({ kube, servers }).start();
    await waitFor('10 acknowledged writes', () => load.acked.length >= 10);
    await load.stop();
    await assertConverged(servers, load);

    const victim = load.acked[3]!.id;
    const connection = await c.connect();
    await connection.query('SET SESSION sql_log_bin = 0');
    await connection.query('DELETE FROM mysqlha_check.acked WHERE id = ?', [victim]);
    connection.destroy();

    const error = await assertConverged(servers, load, { timeoutMs: 5_000 }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain(`mysql-2 lacks 1 of ${load.acked.length} acknowledged writes: ids ${victim}`);
    expect(error?.message).toMatch(/CHECKSUM TABLE mysqlha_check\.acked: mysql-1 \(leader\) \d+, mysql-2 \d+/);
    expect(error?.message).not.toContain('mysql-0 lacks');
  });

  it('WritableWatcher records nothing with one writable server, and an interval once two are writable', async () => {
    const watcher = new WritableWatcher(servers).start();
    await waitFor('10 samples', () => watcher.samples >= 10);
    expect(watcher.writableNow()).toEqual(['mysql-1']);
    expect(watcher.overlaps).toEqual([]);

    await c.query('SET GLOBAL read_only = OFF');
    await waitFor('two writable servers seen', () => watcher.writableNow().length === 2);
    await c.query('SET GLOBAL read_only = ON');
    await waitFor('one writable server again', () => watcher.overlaps.length === 1);
    await watcher.stop();
    expect(watcher.overlaps).toHaveLength(1);
    expect(watcher.overlaps[0]!.servers).toEqual(['mysql-1', 'mysql-2']);
    expect(watcher.overlaps[0]!.ms).toBeGreaterThan(0);
  });
});
