import { existsSync } from 'node:fs';
import { clusterNames, defaultClusterSpec } from '@mysqlha/config';
import { dirname, join } from 'node:path';
import { startAgents } from '../agents/start-agents.js';
import type { AgentProcess } from '../agents/agent-process.js';
import { WritableWatcher } from '../check/writable-watcher.js';
import { WriteLoad } from '../check/write-load.js';
import { startFakeKube, type FakeKube } from '../kube/fake-kube.js';
import type { MariaServer } from '../mariadb/server.js';
import { startServers } from '../mariadb/start-servers.js';
import { PodNetwork } from '../net/pod-network.js';

export interface LocalCluster {
  readonly servers: MariaServer[];
  readonly kube: FakeKube;
  readonly agents: AgentProcess[];
  readonly watcher: WritableWatcher;
  /** Writes through the leader label, as an application behind the leader Service. */
  readonly load: WriteLoad;
  server(name: string): MariaServer;
  agent(name: string): AgentProcess;
  /** Pod-to-pod partitions, when the cluster was started with `{ network: true }`. */
  readonly network: PodNetwork | undefined;
}

export interface LocalClusterOptions {
  /** Run each pod's processes in a cgroup of their own so tests can cut pods off from each other (needs root). */
  network?: boolean;
  /** False: servers without a certificate, taking plain TCP (startServers); default TLS as in a pod. */
  tls?: boolean;
}

/**
 * Three real mariadbd servers, the fake Kubernetes API and three agent processes on loopback, with the writable
 * watcher and a write load through the leader label (not started). Ports: portBase..portBase+39 (servers +0,
 * agents' HTTP +10, clone +20, fake API +30). The fault tests and the chaos campaign both start this.
 */
export async function startLocalCluster(portBase: number, settings: Record<string, unknown> = {}, options: LocalClusterOptions = {}): Promise<LocalCluster> {
  let network: PodNetwork | undefined;
  if (options.network) {
    network = await PodNetwork.create();
    // A pod is its mariadbd, its agent's HTTP and its clone donor (see the port layout above).
    for (let n = 0; n < 3; n++) await network.addPod(`mysql-${n}`, [portBase + n, portBase + 10 + n, portBase + 20 + n]);
  }
  const wrap = network ? (pod: string) => network.wrap(pod) : undefined;
  const servers = await startServers({ count: 3, portBase, ...(wrap ? { wrap } : {}), tls: options.tls !== false });
  const kube = await startFakeKube({ port: portBase + 30, namespace: 'db', pods: servers.map((s) => s.name) });
  const agents = await startAgents({ servers, kube, settings, ...(wrap ? { wrap } : {}) });
  // What the mysqlha command reads of a cluster besides pods and the Lease: where each agent listens, the cluster key.
  for (const agent of agents) kube.setAgentPort(agent.name, agent.httpPort);
  kube.setSecret(clusterNames(defaultClusterSpec()).secret, { 'clone-token': servers[0]!.secrets.cloneToken });
  const watcher = new WritableWatcher(servers, { intervalMs: 20 }).start();
  const load = new WriteLoad({ kube, servers });
  const find = <T extends { name: string }>(list: T[], name: string): T => {
    const found = list.find((item) => item.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  return { servers, kube, agents, watcher, load, network, server: (name) => find(servers, name), agent: (name) => find(agents, name) };
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

/**
 * The kubelet's part: a container that exited is started again, except a mariadbd whose pod is re-cloning (the
 * mysql container's command waits while the RECLONE marker is on the data volume).
 */
export async function restartExited(c: Pick<LocalCluster, 'servers' | 'agents'>): Promise<void> {
  for (const server of c.servers) {
    if (!server.isRunning() && !existsSync(join(dirname(server.dataDir), 'RECLONE'))) await server.start().catch(() => undefined);
  }
  for (const agent of c.agents) if (!agent.isRunning()) await agent.start().catch(() => undefined);
}
