import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// A replica acknowledges a write once its relay log holds it, before it applies it. Here the followers' SQL
// threads are held back (a global read lock, as a long-running backup would), so every write acknowledged during
// that time exists only in the leader's binlog and in the followers' relay logs. Then every mysqld is killed at
// once and the ex-leader stays down: the acknowledged writes survive only if the followers apply their relay logs
// instead of discarding them when they restart.
describe('every mysqld killed at once while the followers have received but not applied writes', () => {
  const h = useCluster(16600);

  it('keeps every acknowledged write: a follower applies its relay log before it is compared or replicates', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const followers = c.servers.filter((s) => s.name !== first);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const locks = await Promise.all(followers.map((s) => s.connect()));
    await Promise.all(locks.map((l) => l.query('FLUSH TABLES WITH READ LOCK')));
    const heldAt = now();
    // Writes go on being acknowledged (the IO threads still receive) but nothing is applied on the followers.
    await waitFor('20 writes acknowledged while the followers cannot apply', () => c.load.acked.filter((w) => w.at > heldAt).length >= 20, { timeoutMs: 20_000 });
    const unapplied = await Promise.all(followers.map((s) => s.value<string>('SELECT @@gtid_current_pos')));
    const leaderPos = await c.server(first).value<string>('SELECT @@gtid_binlog_pos');
    expect(unapplied.every((p) => p !== leaderPos), 'the followers are behind in what they applied').toBe(true);

    await Promise.all(c.servers.map((s) => s.kill9()));
    const crashedAt = now();
    // The kubelet restarts the followers' mysql containers; the ex-leader's node is gone for now.
    await Promise.all(followers.map((s) => s.start()));
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(crashedAt, { on: next, timeoutMs: 30_000 });
    const applied = c.kube.timeline.events.filter((e) => e.time > crashedAt && e.reason === 'RelayLogApplied').map((e) => e.by);
    expect(applied.length, 'at least one follower applied its relay log after the crash').toBeGreaterThan(0);

    await c.server(first).start();
    expect(await waitHealthy(c, 30_000)).toBe(next);
    expect((await c.status(first)).diverged).toBeNull();
    await verifyInvariants(c);
  });

  it('loses nothing when every mysqld is killed at once and restarted, three times over', async () => {
    const { c } = h;
    c.watcher.start();
    for (let round = 0; round < 3; round++) {
      await waitHealthy(c, 30_000);
      c.load.start();
      await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
      await Promise.all(c.servers.map((s) => s.kill9()));
      const crashedAt = now();
      await Promise.all(c.servers.map((s) => s.start()));
      const leader = await waitHealthy(c, 30_000);
      await c.load.waitForAckAfter(crashedAt, { on: leader, timeoutMs: 30_000 });
    }
    await verifyInvariants(c);
  });
});
