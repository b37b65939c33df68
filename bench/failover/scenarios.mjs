// The failover scenarios: each takes the cluster from its steady state, does one fault (or a planned
// switchover) to the current leader, measures it, and brings the killed pieces back until the cluster is steady.
import { missingAckedIds, now, sleep, waitForCluster } from '@mysqlha/testkit';

const STEADY_TIMEOUT_MS = 90_000;
const FAILOVER_TIMEOUT_MS = 60_000;

const byName = (list, name) => list.find((item) => item.name === name);

function leaderOverlapMs(kube, since) {
  return kube.timeline.leaderOverlaps().filter((o) => o.to > since).reduce((sum, o) => sum + o.ms, 0);
}

async function measure(c, fault) {
  const leader = await waitForCluster(c.servers, c.kube, STEADY_TIMEOUT_MS);
  const dualBefore = c.watcher.totalOverlapMs();
  const start = now();
  const extra = await fault(leader, start);
  const ack = await c.load.waitForAckAfter(start, { notOn: leader, timeoutMs: FAILOVER_TIMEOUT_MS });
  return { leader, start, ack, dualBefore, extra };
}

async function settle(c, m, restore) {
  await restore?.();
  const leader = await waitForCluster(c.servers, c.kube, STEADY_TIMEOUT_MS);
  // Count each lost write once, in the scenario that lost it.
  const missing = await missingAckedIds(byName(c.servers, leader), c.load.ackedIds());
  const lost = missing.filter((id) => !c.lostIds.has(id));
  for (const id of lost) c.lostIds.add(id);
  return {
    from: m.leader,
    to: m.ack.pod,
    failoverMs: Math.round(m.ack.at - m.start),
    lostAckedWrites: lost.length,
    dualWritableMs: Math.round(c.watcher.totalOverlapMs() - m.dualBefore),
    dualLeaderLabelMs: Math.round(leaderOverlapMs(c.kube, m.start)),
    ...m.extra,
  };
}

/** kill -9 of the leader's mariadbd only; its agent stays up. The kubelet's restart is the harness's start(). */
export async function killMysqld(c) {
  const m = await measure(c, async (leader) => {
    await byName(c.servers, leader).kill9();
  });
  return settle(c, m, () => byName(c.servers, m.leader).start());
}

/** kill -9 of the whole leader pod (mariadbd and agent): nobody renews or releases the Lease, it must expire. */
export async function killPod(c) {
  const m = await measure(c, async (leader) => {
    await Promise.all([byName(c.servers, leader).kill9(), byName(c.agents, leader).kill9()]);
  });
  return settle(c, m, async () => {
    await byName(c.servers, m.leader).start();
    await byName(c.agents, m.leader).start();
  });
}

/** Planned switchover to the lowest-ordinal follower through the leader's admin socket (`agent switchover --to`). */
export async function switchover(c) {
  let target;
  const m = await measure(c, async (leader, start) => {
    target = c.servers.find((s) => s.name !== leader).name;
    const result = await byName(c.agents, leader).cli(['switchover', '--to', target], FAILOVER_TIMEOUT_MS);
    if (result.code !== 0) throw new Error(`agent switchover --to ${target} exited ${result.code}: ${result.stderr.trim()}`);
    return { commandMs: Math.round(now() - start) };
  });
  // Let writes run on the new leader for a moment so the gap is measured on both sides of the handover.
  await sleep(500);
  const writeGapMs = Math.round(c.load.longestGap(m.start, now()));
  const result = await settle(c, m);
  if (result.to !== target) throw new Error(`switchover to ${target} made ${result.to} the leader`);
  return { ...result, writeGapMs };
}

export const SCENARIOS = { 'kill-mysqld': killMysqld, 'kill-pod': killPod, switchover };

/** Brings every stopped server and agent back and waits for the steady state, after a scenario failed midway. */
export async function recover(c) {
  for (const server of c.servers) if (!server.isRunning()) await server.start();
  for (const agent of c.agents) if (!agent.isRunning()) await agent.start();
  await waitForCluster(c.servers, c.kube, STEADY_TIMEOUT_MS);
}
