import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AgentProcess, type FakeKube, type MariaServer, logTails, startAgents, startFakeKube, startServers, stopAll } from '../src/index.js';

// Ports 15200-15299 are this file's. The agent here is a stand-in script, so the harness's plumbing is what is tested.
const standIn = fileURLToPath(new URL('./fixtures/stand-in-agent.mjs', import.meta.url));

describe('agent processes (stand-in agent script, fake Kubernetes API)', () => {
  let servers: MariaServer[];
  let kube: FakeKube;
  let agents: AgentProcess[];

  beforeAll(async () => {
    servers = await startServers({ count: 2, portBase: 15200 });
    kube = await startFakeKube({ port: 15230, namespace: 'mysqlha', pods: servers.map((s) => s.name) });
    agents = await startAgents({ servers, kube, agentBin: standIn });
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(logTails({ agents, servers }))));
  afterAll(stopAll);

  it('run one process per pod, each reaching its own server and the API as itself', async () => {
    expect(agents.map((a) => [a.name, a.httpPort])).toEqual([
      ['mysql-0', 15210],
      ['mysql-1', 15211],
    ]);
    expect(await agents[1]!.status()).toEqual({ pod: 'mysql-1', serverId: 2, apiPod: 'mysql-1', peers: ['mysql-0', 'mysql-1'] });
  });

  it('stop with SIGTERM, restart, and kill -9', async () => {
    const agent = agents[0]!;
    await agent.stop();
    expect(agent.isRunning()).toBe(false);
    expect(agent.logTail()).toContain('mysql-0: SIGTERM, exiting');
    await agent.start();
    expect((await agent.status()).pod).toBe('mysql-0');
    const pid = agent.pid!;
    await agent.kill9();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(agent.status(500)).rejects.toThrow();
  });

  it('run other sub-commands in the pod environment and report their exit code', async () => {
    const result = await agents[0]!.cli(['switchover', '--to', 'mysql-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: stand-in-agent.mjs run (got switchover --to mysql-1)');
  });
});
