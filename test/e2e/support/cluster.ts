import { expect } from 'vitest';
import {
  assertConverged,
  CHECK_SCHEMA,
  CHECK_TABLE,
  healthyLeader,
  logTails,
  now,
  startLocalCluster,
  stopAll,
  waitFor,
  type AgentProcess,
  type LocalCluster,
  type LocalClusterOptions,
  type WriteLoad,
} from '@mysqlha/testkit';
import type { AgentStatus } from '@mysqlha/agent';

export interface Cluster extends LocalCluster {
  status(name: string): Promise<AgentStatus>;
  logs(): string;
}

/** The local cluster of testkit (three mariadbd, the fake API, three agents, watcher, write load), for one test file. */
export async function startCluster(portBase: number, settings: Record<string, unknown> = {}, options: LocalClusterOptions = {}): Promise<Cluster> {
  const c = await startLocalCluster(portBase, settings, options);
  return { ...c, status: (name) => c.agent(name).status<AgentStatus>(), logs: () => logTails({ agents: c.agents, servers: c.servers }, 60) };
}

/** Waits for one pod labelled leader whose agent says it leads, and every other running pod following it. */
export async function waitHealthy(c: Cluster, timeoutMs = 30_000, not?: string): Promise<string> {
  return waitFor(
    `one leader${not ? ` other than ${not}` : ''} and every other running pod following it`,
    async () => {
      const leader = await healthyLeader(c, { stoppedAgents: 'ignored' });
      return leader !== undefined && leader !== not ? leader : undefined;
    },
    { timeoutMs },
  );
}

/**
 * Cuts `pod`'s agent off from the API (its requests hang) and waits until its server is read-only and another
 * pod holds the Lease; returns when each happened. The caller heals the partition.
 */
export async function cutFromApi(c: Cluster, pod: string): Promise<{ cutAt: number; readOnlyAt: number; next: string; takenAt: number }> {
  const cutAt = now();
  c.kube.partition(pod, 'hang');
  await waitFor(`${pod} read-only`, async () => Number(await c.server(pod).value('SELECT @@read_only')) === 1, { timeoutMs: 10_000, intervalMs: 20 });
  const readOnlyAt = now();
  const next = await c.kube.waitForLeader({ not: pod, timeoutMs: 30_000 });
  const takeover = c.kube.timeline.leases.find((l) => l.time > cutAt && l.holder === next);
  if (!takeover) throw new Error(`${next} is labelled leader but took no Lease after ${pod} was cut off`);
  return { cutAt, readOnlyAt, next, takenAt: takeover.time };
}

/**
 * What every fault test ends with: every acknowledged write on the leader and every replica, the same GTID
 * set and table checksums everywhere, never two writable servers, never two pods labelled leader.
 */
export async function verifyInvariants(c: Cluster, except: string[] = [], also: WriteLoad[] = []): Promise<void> {
  await Promise.all([c.load, ...also].map((load) => load.stop()));
  const acked = [c.load, ...also].flatMap((load) => load.ackedIds());
  const conv = await assertConverged(c.servers.filter((s) => s.isRunning() && !except.includes(s.name)), acked, { timeoutMs: 30_000 });
  await c.watcher.stop();
  expect(c.watcher.overlaps, 'two servers writable at once').toEqual([]);
  expect(c.kube.timeline.leaderOverlaps(), 'two pods labelled leader at once').toEqual([]);
  expect(conv.rows).toBeGreaterThanOrEqual(acked.length);
}

/** The value of one unlabelled metric on an agent's /metrics. */
export async function metric(a: AgentProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${a.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/**
 * Cuts the leader off from the API until another pod leads and takes writes, then commits a real, binlogged
 * write on the cut-off ex-leader with an account read_only does not stop: the ex-leader now holds a transaction
 * nobody else has. The caller heals the partition.
 */
export async function errantWriteOnIsolatedLeader(c: Cluster): Promise<{ first: string; next: string }> {
  const first = await waitHealthy(c);
  c.load.start();
  await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
  const { next } = await cutFromApi(c, first);
  await c.load.waitForAckAfter(now(), { on: next, timeoutMs: 30_000 });
  for (const other of c.servers.filter((s) => s.name !== first && s.name !== next)) {
    await waitFor(`${other.name} following ${next}`, async () => (await c.status(other.name)).decision === `following ${next}`, { timeoutMs: 10_000 });
  }
  await c.server(first).query(`INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} (id, payload) VALUES (?, ?)`, [-1, 'errant']);
  return { first, next };
}

export { stopAll };
