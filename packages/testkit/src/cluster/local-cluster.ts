import { startAgents } from '../agents/start-agents.js';
import type { AgentProcess } from '../agents/agent-process.js';
import { WritableWatcher } from '../check/writable-watcher.js';
import { WriteLoad } from '../check/write-load.js';
import { startFakeKube, type FakeKube } from '../kube/fake-kube.js';
import type { MariaServer } from '../mariadb/server.js';
import { startServers } from '../mariadb/start-servers.js';

export interface LocalCluster {
  readonly servers: MariaServer[];
  readonly kube: FakeKube;
  readonly agents: AgentProcess[];
  readonly watcher: WritableWatcher;
  /** Writes through the leader label, as an application behind the leader Service. */
  readonly load: WriteLoad;
  server(name: string): MariaServer;
  agent(name: string): AgentProcess;
}

/**
 * Three real mariadbd servers, the fake Kubernetes API and three agent processes on loopback, with the writable
 * watcher and a write load through the leader label (not started). Ports: portBase..portBase+39 (servers +0,
 * agents' HTTP +10, clone +20, fake API +30). The fault tests and the chaos campaign both start this.
 */
export async function startLocalCluster(portBase: number, settings: Record<string, unknown> = {}): Promise<LocalCluster> {
  const servers = await startServers({ count: 3, portBase });
  const kube = await startFakeKube({ port: portBase + 30, namespace: 'db', pods: servers.map((s) => s.name) });
  const agents = await startAgents({ servers, kube, settings });
  const watcher = new WritableWatcher(servers, { intervalMs: 20 }).start();
  const load = new WriteLoad({ kube, servers });
  const find = <T extends { name: string }>(list: T[], name: string): T => {
    const found = list.find((item) => item.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  return { servers, kube, agents, watcher, load, server: (name) => find(servers, name), agent: (name) => find(agents, name) };
}

/**
 * The leader, when exactly one pod is labelled leader, holds the Lease, its agent says it leads, and every other agent follows it
 * (both replication threads running, from the holder); else undefined. A stopped agent makes the cluster unhealthy
 * unless `stoppedAgents: 'ignored'` (a test that keeps a pod down on purpose). One probe; callers poll.
 */
export async function healthyLeader(c: Pick<LocalCluster, 'kube' | 'agents'>, options: { stoppedAgents?: 'unhealthy' | 'ignored' } = {}): Promise<string | undefined> {
  const leader = c.kube.leader();
  // The Lease in the API names the same pod: a leader still labelled but no longer (or not yet) holding is no
  // steady state to start the next fault from.
  if (!leader || c.kube.leaseHolder() !== leader) return undefined;
  for (const agent of c.agents) {
    if (!agent.isRunning()) {
      if (options.stoppedAgents === 'ignored') continue;
      return undefined;
    }
    const s = await agent.status<{ role: string; leaseHolder: string; replication: { ioRunning: string; sqlRunning: string } | null }>(1000).catch(() => undefined);
    if (!s) return undefined;
    if (agent.name === leader ? s.role !== 'leader' : !(s.replication?.ioRunning === 'Yes' && s.replication.sqlRunning === 'Yes' && s.leaseHolder === leader)) return undefined;
  }
  return leader;
}
