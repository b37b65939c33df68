import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AgentProcess, type FakeKube, type MariaServer, logTails, startAgents, startFakeKube, startServers, stopAll, waitFor, waitForCluster } from '../src/index.js';

// Ports 15200-15299 are this file's. The agents are the real `agent run` (build packages/agent first);
// the API server they talk to is the in-process fake.
describe('real agent processes on real servers, with the fake Kubernetes API', () => {
  let servers: MariaServer[];
  let kube: FakeKube;
  let agents: AgentProcess[];
  const status = (agent: AgentProcess) => agent.status<{ pod: string; role: string; leaseHolder: string }>();

  beforeAll(async () => {
    servers = await startServers({ count: 3, portBase: 15200 });
    kube = await startFakeKube({ port: 15230, namespace: 'mysqlha', pods: servers.map((s) => s.name) });
    agents = await startAgents({ servers, kube });
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(logTails({ agents, servers }))));
  afterAll(stopAll);

  it('run one agent per pod, each on its own ports, talking to the API as its pod', async () => {
    expect(agents.map((a) => [a.name, a.httpPort, a.clonePort])).toEqual([
      ['mysql-0', 15210, 15220],
      ['mysql-1', 15211, 15221],
      ['mysql-2', 15212, 15222],
    ]);
    const leader = await waitForCluster(servers, kube);
    expect(kube.leaseHolder()).toBe(leader);
    expect(kube.timeline.leases.every((write) => write.by === write.holder || write.holder === undefined)).toBe(true);
    expect((await status(agents[1]!)).pod).toBe('mysql-1');
  });

  it('kill -9 and restart a follower agent, which follows the same leader again', async () => {
    const leader = await waitForCluster(servers, kube);
    const follower = agents.find((a) => a.name !== leader)!;
    const pid = follower.pid!;
    await follower.kill9();
    expect(follower.isRunning()).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await follower.start();
    expect(follower.pid).not.toBe(pid);
    expect(await waitForCluster(servers, kube)).toBe(leader);
    // A fresh agent knows the holder only after its first Lease read; it must come to the same one.
    const seen = await waitFor('the restarted agent to read the Lease', async () => (await status(follower)).leaseHolder || false, { timeoutMs: 10_000 });
    expect(seen).toBe(leader);
  });

  it('hand the leader role over with the switchover sub-command, run in the pod environment', async () => {
    const leader = await waitForCluster(servers, kube);
    const target = agents.find((a) => a.name !== leader)!.name;
    const result = await agents.find((a) => a.name === leader)!.cli(['switchover', '--to', target]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(await kube.waitForLeader({ not: leader })).toBe(target);
    expect(await waitForCluster(servers, kube)).toBe(target);
  });

  it('stop an agent with SIGTERM', async () => {
    const follower = agents.find((a) => a.name !== kube.leader())!;
    await follower.stop();
    expect(follower.isRunning()).toBe(false);
    await expect(follower.status(500)).rejects.toThrow();
    await follower.start();
  });
});
