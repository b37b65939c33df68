import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gtidAtLeast, parseGtidPos } from '@mysqlha/agent';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy, type Cluster } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// A leader's crash recovery can cut transactions from its binlog that its followers already hold and acknowledged
// (the binlog is fsynced before the acknowledgement, but a crash image may predate it, as after a lost page cache
// or a volume restored from a snapshot). The leader's pod comes back before its Lease expires, so it still holds
// it; the followers, refused by its server (error 1236) because they are ahead in its own server id, must not be
// set aside as diverged: they hold the only copies of acknowledged writes, and one of them must lead.
/**
 * Takes a crash image of the leader's datadir (its processes frozen while it is copied), lets 30 more writes be
 * acknowledged, then kills the leader's mysqld (and `also`, e.g. its agent) and restarts it on the image: a
 * server whose binlog lacks acknowledged transactions it wrote, which its followers hold.
 */
async function restartLeaderOnCrashImage(c: Cluster, first: string, opts: { killAgent: boolean }): Promise<number> {
  const followers = c.servers.filter((s) => s.name !== first).map((s) => s.name);
  const server = c.server(first);
  const agent = c.agent(first);
  const snapshot = join(server.dir, 'data.snapshot');
  agent.pause();
  process.kill(server.pid!, 'SIGSTOP');
  try {
    execFileSync('cp', ['-a', server.dataDir, snapshot]);
  } finally {
    process.kill(server.pid!, 'SIGCONT');
    agent.resume();
  }
  const snapAt = now();
  await waitFor('30 writes acknowledged after the crash image was taken', () => c.load.acked.filter((w) => w.at > snapAt).length >= 30, { timeoutMs: 20_000 });

  if (!opts.killAgent) agent.pause();
  await Promise.all([opts.killAgent ? agent.kill9() : Promise.resolve(), server.kill9()]);
  const crashedAt = now();
  rmSync(server.dataDir, { recursive: true, force: true });
  renameSync(snapshot, server.dataDir);
  await server.start();
  const behind = parseGtidPos(await server.value<string>('SELECT @@gtid_binlog_pos'));
  const received = await Promise.all(followers.map(async (f) => parseGtidPos(await c.server(f).value<string>('SELECT @@gtid_current_pos'))));
  expect(received.some((r) => !gtidAtLeast(behind, r)), `${first} came back behind what a follower holds`).toBe(true);
  return crashedAt;
}

describe("the leader's pod restarts holding the Lease with a binlog behind what its followers acknowledged", () => {
  // A Lease long enough that the pod is back while it still holds it.
  const h = useCluster(16860, { leaseDurationMs: 8000, renewDeadlineMs: 5000 });

  it('a follower holding the lost tail leads, no acknowledged write is lost, and the old leader rejoins behind it', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const followers = c.servers.filter((s) => s.name !== first).map((s) => s.name);
    const loadAt = now();
    c.load.start();
    // A history in the leader's binlog first: one it lost entirely would be no refusal but an empty server.
    await waitFor('50 writes acknowledged', () => c.load.acked.filter((w) => w.at > loadAt).length >= 50, { timeoutMs: 20_000 });

    const crashedAt = await restartLeaderOnCrashImage(c, first, { killAgent: true });
    const agent = c.agent(first);
    // Its agent starts last (a slow container start): the followers' replication threads reconnect first and are
    // refused, and their agents see that before the holder's agent decides anything.
    await waitFor('every follower refused by the restarted leader (error 1236)', async () => {
      const errnos = await Promise.all(followers.map(async (f) => (await c.server(f).query<{ Last_IO_Errno: number }>('SHOW SLAVE STATUS'))[0]?.Last_IO_Errno));
      return errnos.every((e) => e === 1236);
    }, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await agent.start();

    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 60_000 });
    // The restarted holder gave the Lease up as a release, so the election did not wait out a lease duration.
    expect(c.kube.timeline.leases.some((l) => l.time > crashedAt && l.by === first && l.holder === undefined), `${first} released the Lease`).toBe(true);
    expect(c.agent(next).logTail(400)).toMatch(/lease free, I am the most advanced of 3 reachable, promoting/);
    await c.load.waitForAckAfter(crashedAt, { on: next, timeoutMs: 30_000 });
    expect(await waitHealthy(c, 30_000)).toBe(next);
    for (const name of c.servers.map((s) => s.name)) expect((await c.status(name)).diverged, `${name} is not diverged`).toBeNull();
    await verifyInvariants(c);
  });

  it('a leader whose agent was frozen while its mysqld restarted on the crash image releases the Lease instead of writing on', async () => {
    const { c } = h;
    const first = await waitHealthy(c, 30_000);
    const loadAt = now();
    c.load.start();
    await waitFor('50 writes acknowledged', () => c.load.acked.filter((w) => w.at > loadAt).length >= 50, { timeoutMs: 20_000 });
    // The agent is frozen across the restart: it wakes up still leading, well within its renew deadline.
    const crashedAt = await restartLeaderOnCrashImage(c, first, { killAgent: false });
    c.agent(first).resume();

    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 60_000 });
    await c.load.waitForAckAfter(crashedAt, { on: next, timeoutMs: 30_000 });
    // Either its first statement after the pause finds its session gone, or the session reconnected on its own,
    // which gives the restart away: either way it releases before it can turn the restarted server writable.
    expect(c.agent(first).logTail(400)).toMatch(/my mysqld is down \(PROTOCOL_CONNECTION_LOST.*releasing the lease so a follower takes over now|my mysqld may have restarted since I became leader/);
    expect(c.kube.timeline.leases.some((l) => l.time > crashedAt && l.by === first && l.holder === undefined), `${first} released the Lease`).toBe(true);
    expect(await waitHealthy(c, 30_000)).toBe(next);
    for (const name of c.servers.map((s) => s.name)) expect((await c.status(name)).diverged, `${name} is not diverged`).toBeNull();
    await verifyInvariants(c);
  });
});
