import { expect } from 'vitest';
import {
  assertConverged,
  CHECK_SCHEMA,
  CHECK_TABLE,
  logTails,
  now,
  startAgents,
  startFakeKube,
  startServers,
  stopAll,
  waitFor,
  WritableWatcher,
  WriteLoad,
  type AgentProcess,
  type FakeKube,
  type MariaServer,
} from '@mysqlha/testkit';
import type { AgentStatus } from '@mysqlha/agent';

export interface Cluster {
  servers: MariaServer[];
  kube: FakeKube;
  agents: AgentProcess[];
  watcher: WritableWatcher;
  load: WriteLoad;
  server(name: string): MariaServer;
  agent(name: string): AgentProcess;
  status(name: string): Promise<AgentStatus>;
  logs(): string;
}

/**
 * Three real mariadbd servers, the fake Kubernetes API and three agent processes, with a write load through
 * the leader label and a watcher for two writable servers. Ports: portBase..portBase+39 (servers +0, agents
 * HTTP +10, clone +20, fake API +30).
 */
export async function startCluster(portBase: number, settings: Record<string, unknown> = {}): Promise<Cluster> {
  const servers = await startServers({ count: 3, portBase });
  const kube = await startFakeKube({ port: portBase + 30, namespace: 'db', pods: servers.map((s) => s.name) });
  const agents = await startAgents({ servers, kube, settings });
  const watcher = new WritableWatcher(servers, { intervalMs: 20 }).start();
  const load = new WriteLoad({ kube, servers });
  const byName = <T extends { name: string }>(list: T[], name: string): T => {
    const found = list.find((x) => x.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  return {
    servers,
    kube,
    agents,
    watcher,
    load,
    server: (name) => byName(servers, name),
    agent: (name) => byName(agents, name),
    status: (name) => byName(agents, name).status<AgentStatus>(),
    logs: () => logTails({ agents, servers }, 60),
  };
}

/** Waits for one pod labelled leader whose agent says it leads, and both followers replicating from it. */
export async function waitHealthy(c: Cluster, timeoutMs = 30_000, not?: string): Promise<string> {
  const leader = await c.kube.waitForLeader({ timeoutMs, ...(not ? { not } : {}) });
  await waitFor(
    `${leader} leading and every other running pod following it`,
    async () => {
      for (const a of c.agents) {
        if (!a.isRunning()) continue;
        const s = await a.status<AgentStatus>().catch(() => undefined);
        if (!s) return false;
        if (a.name === leader ? s.role !== 'leader' : !(s.replication?.ioRunning === 'Yes' && s.replication.sqlRunning === 'Yes' && s.leaseHolder === leader)) return false;
      }
      return true;
    },
    { timeoutMs },
  );
  return leader;
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
  expect(c.kube.timeline.leaderOverlaps(), 'two pods labelled role=leader at once').toEqual([]);
  expect(conv.rows).toBeGreaterThanOrEqual(acked.length);
}

/** The value of one unlabelled metric on an agent's /metrics. */
export async function metric(a: AgentProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${a.httpPort}/metrics`)).text();
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
  c.kube.partition(first, 'hang');
  await waitFor(`${first} read-only`, async () => Number(await c.server(first).value('SELECT @@read_only')) === 1, { timeoutMs: 10_000, intervalMs: 20 });
  const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
  await c.load.waitForAckAfter(now(), { on: next, timeoutMs: 30_000 });
  for (const other of c.servers.filter((s) => s.name !== first && s.name !== next)) {
    await waitFor(`${other.name} following ${next}`, async () => (await c.status(other.name)).decision === `following ${next}`, { timeoutMs: 10_000 });
  }
  await c.server(first).query(`INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} (id, payload) VALUES (?, ?)`, [-1, 'errant']);
  return { first, next };
}

export { stopAll };
