import { ROLE_LABEL } from '@mysqlha/config';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStatus } from '@mysqlha/agent';
import {
  logTails,
  missingAckedIds,
  now,
  startAgents,
  startFakeKube,
  startServers,
  stopAll,
  waitFor,
  WritableWatcher,
  WriteLoad,
  type AgentProcess,
} from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy, type Cluster } from './support/cluster.js';
import { withholdPods } from './support/scale.js';

// Servers 16500-16503, agents' HTTP 16510-16513, clone donors 16520-16523, fake API 16530.
const PORT_BASE = 16500;
const NEW_POD = 'mysql-3';

let c: Cluster;
let statefulSet: ReturnType<typeof withholdPods>;

beforeAll(async () => {
  const servers = await startServers({ count: 4, portBase: PORT_BASE });
  // mysql-3 does not exist before the scale-up: its server is down and its volume is fresh, without even the
  // datadir subdirectory (docs/runtime.md).
  const newServer = servers[3]!;
  await newServer.stop();
  await rm(newServer.dataDir, { recursive: true, force: true });
  const kube = await startFakeKube({ port: PORT_BASE + 30, namespace: 'db', pods: servers.map((s) => s.name) });
  statefulSet = withholdPods(kube, [NEW_POD]);
  const agents = await startAgents({ servers: servers.slice(0, 3), kube });
  const byName = <T extends { name: string }>(list: T[], name: string): T => {
    const found = list.find((x) => x.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  c = {
    servers,
    kube,
    agents,
    watcher: new WritableWatcher(servers, { intervalMs: 20 }).start(),
    load: new WriteLoad({ kube, servers }),
    network: undefined,
    server: (name) => byName(servers, name),
    agent: (name) => byName(c.agents, name),
    status: (name) => byName(c.agents, name).status<AgentStatus>(),
    logs: () => logTails({ agents: c.agents, servers }, 60),
  };
});

afterAll(async () => {
  if (process.env.MYSQLHA_E2E_LOGS && c) console.log(c.logs());
  await stopAll();
});

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(c?.logs())));

describe('kubectl scale from 3 to 4 pods under write load (agents against the fake Kubernetes API)', () => {
  it('the new pod clones a follower, not the leader, follows the leader and holds every acknowledged write', async () => {
    const leader = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    // The StatefulSet controller creates mysql-3. The harness names every peer in agent.yaml's peerAddresses
    // (several pods share one host, so each needs its own ports), so the scale-up is also a ConfigMap change:
    // agent.yaml written again for four pods. In a cluster peerAddresses is empty and the agents list the
    // pods from the API instead.
    statefulSet.create(NEW_POD);
    const agentsDir = dirname(dirname(c.agents[0]!.configFile));
    const configured = await startAgents({ servers: c.servers, kube: c.kube, dir: agentsDir, start: false });
    const newAgent = configured[3]!;
    const newServer = c.server(NEW_POD);
    c.agents.push(newAgent);

    // Init container `init`: an empty datadir next to peers holding data is cloned, never bootstrapped.
    const init = await newAgent.cli(['init'], 30_000);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(new RegExp(`decision: clone \\(.* is empty and the Lease shows a cluster with data: ${leader} holds it\\)`));
    expect(readFileSync(join(newAgent.runDir, 'my.cnf'), 'utf8')).toMatch(/^server_id = 4$/m);
    expect(!existsSync(newServer.dataDir) || readdirSync(newServer.dataDir).length === 0, 'init left the datadir empty').toBe(true);

    // Init container `clone`, while the application keeps writing.
    const cloneStartedAt = now();
    const cloned = await newAgent.cli(['clone'], 120_000);
    const cloneEndedAt = now();
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(cloned.stderr).not.toMatch(/password/i);
    const copied = /clone: copied (\d+) bytes from (mysql-\d+) in ([\d.]+) s/.exec(cloned.stdout);
    expect(copied, cloned.stdout).not.toBeNull();
    const [, bytes, donor, seconds] = copied!;
    expect(donor, 'the donor is a follower, so the leader serves the application undisturbed').not.toBe(leader);
    expect(c.kube.pod(donor!).metadata.labels[ROLE_LABEL]).toBe('follower');
    expect(c.kube.leader()).toBe(leader);
    const writtenDuringCopy = c.load.acked.filter((a) => a.at >= cloneStartedAt && a.at <= cloneEndedAt).length;
    expect(writtenDuringCopy, 'writes acknowledged while the clone ran').toBeGreaterThan(0);
    console.log(
      `clone of ${NEW_POD}: ${bytes} bytes (${(Number(bytes) / 1048576).toFixed(1)} MiB) from ${donor} in ${seconds} s ` +
        `(agent clone process: ${((cloneEndedAt - cloneStartedAt) / 1000).toFixed(1)} s), ${writtenDuringCopy} writes acknowledged meanwhile`,
    );

    // Containers `mysql` and `agent`: the cloned datadir starts and replicates from the recorded position.
    await newServer.start();
    await newAgent.start();
    await waitFor(`${NEW_POD} following ${leader}`, async () => (await newAgent.status<AgentStatus>()).decision === `following ${leader}`, {
      timeoutMs: 30_000,
    });
    expect(newAgent.logTail(100)).toMatch(new RegExp(`replicating from the position the clone from ${donor} recorded`));
    await waitHealthy(c, 30_000);
    expect(c.kube.pod(NEW_POD).metadata.labels[ROLE_LABEL]).toBe('follower');
    const later = await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await waitFor(`${NEW_POD} applied a write acknowledged after it joined`, async () => (await missingAckedIds(newServer, [later.id])).length === 0, {
      timeoutMs: 30_000,
    });

    // The running agents read agent.yaml only at start: they learn of mysql-3 as a config change rolls out,
    // one pod at a time, followers first and the leader last (its agent hands the Lease over on SIGTERM).
    const rollout = ['mysql-0', 'mysql-1', 'mysql-2'].filter((n) => n !== leader).concat(leader);
    for (const name of rollout) {
      const index = c.agents.findIndex((a) => a.name === name);
      await c.agents[index]!.stop();
      c.agents[index] = configured.find((a: AgentProcess) => a.name === name)!;
      await c.agents[index]!.start();
      await waitHealthy(c, 30_000);
    }
    const finalLeader = c.kube.leader();
    expect(finalLeader).not.toBe(leader);
    await c.load.waitForAckAfter(now(), { on: finalLeader!, timeoutMs: 10_000 });

    // Every acknowledged write on all four servers, the same GTID set and checksums, never two writable
    // servers, never two pods labelled leader.
    expect(c.servers.filter((s) => s.isRunning()).map((s) => s.name)).toEqual(['mysql-0', 'mysql-1', 'mysql-2', 'mysql-3']);
    await verifyInvariants(c);
    console.log(`${c.load.acked.length} writes acknowledged in all; leader ${leader}, after the rollout ${finalLeader}`);
  });
});
