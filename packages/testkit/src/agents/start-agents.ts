import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterSpec } from '@mysqlha/config';
import type { FakeKube } from '../kube/fake-kube.js';
import type { MariaServer } from '../mariadb/server.js';
import { trackTempDir } from '../process/registry.js';
import { repoRoot } from '../util/files.js';
import { checkPortRange } from '../util/ports.js';
import { agentConfig, type PeerAddress } from './agent-config.js';
import { AgentProcess } from './agent-process.js';
import type { SpawnWrap } from '../net/pod-network.js';

export interface StartAgentsOptions {
  servers: MariaServer[];
  kube: FakeKube;
  /** agent.yaml keys over the harness's (e.g. loopIntervalMs, failoverPolicy). */
  settings?: Record<string, unknown>;
  /** The script run as `node <agentBin> run`; default packages/agent/dist/cli.js of this repo. */
  agentBin?: string;
  /** mysql-N's agent serves HTTP on httpPortBase+N; default the port of the first server + 10. */
  httpPortBase?: number;
  /** mysql-N's clone donor listens on clonePortBase+N; default the port of the first server + 20. */
  clonePortBase?: number;
  /** mysql-N's agent serves metrics on metricsPortBase+N; default the port of the first server + 33. */
  metricsPortBase?: number;
  spec?: ClusterSpec;
  /** Parent dir for the agents' run dirs, configs and logs; default a mkdtemp dir removed by stopAll. */
  dir?: string;
  /** false: write the configs and return the agents without starting them. */
  start?: boolean;
  /** How each pod's agent is started (PodNetwork.wrap); default directly. */
  wrap?: (pod: string) => SpawnWrap;
}

/**
 * One real agent process per server, as the `agent` container of its pod: POD_NAME, POD_NAMESPACE and an
 * agent.yaml pointing at its mariadbd, the fake API (with its own bearer token) and every peer's addresses.
 */
export async function startAgents(options: StartAgentsOptions): Promise<AgentProcess[]> {
  const { servers, kube } = options;
  const first = servers[0];
  if (!first) throw new Error('startAgents: servers is empty');
  const httpPortBase = options.httpPortBase ?? first.port + 10;
  const clonePortBase = options.clonePortBase ?? first.port + 20;
  const metricsPortBase = options.metricsPortBase ?? first.port + 33;
  checkPortRange('startAgents metricsPortBase', metricsPortBase, servers.length);
  checkPortRange('startAgents httpPortBase', httpPortBase, servers.length);
  checkPortRange('startAgents clonePortBase', clonePortBase, servers.length);
  const agentBin = options.agentBin ?? join(repoRoot(), 'packages/agent/dist/cli.js');
  if (!existsSync(agentBin)) throw new Error(`startAgents: ${agentBin} does not exist; build it: npx turbo run build --filter=@mysqlha/agent`);
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'mysqlha-agents-'));
  if (!options.dir) trackTempDir(root);

  const ports = servers.map((server, index) => ({ httpPort: httpPortBase + index, clonePort: clonePortBase + index, metricsPort: metricsPortBase + index, server }));
  const peers: Record<string, PeerAddress> = Object.fromEntries(
    ports.map(({ server, httpPort, clonePort }) => [server.name, { host: '127.0.0.1', mysqlPort: server.port, httpPort, clonePort }]),
  );
  const agents = ports.map(({ server, httpPort, clonePort, metricsPort }) => {
    const dir = join(root, server.name);
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const configFile = join(dir, 'agent.yaml');
    const config = agentConfig({ server, ports: { httpPort, clonePort, metricsPort }, runDir, kube, peers, ...(options.spec ? { spec: options.spec } : {}), ...(options.settings ? { settings: options.settings } : {}) });
    writeFileSync(configFile, stringify(config));
    // The ConfigMap puts my.cnf next to agent.yaml; here it is the server's own file, with this host's paths.
    copyFileSync(server.configFile, join(dir, 'my.cnf'));
    const agent = new AgentProcess({
      name: server.name,
      namespace: kube.namespace,
      agentBin,
      configFile,
      secretsDir: server.secrets.dir,
      runDir,
      logFile: join(dir, 'agent.log'),
      httpPort,
      clonePort,
      metricsPort,
    });
    agent.spawnWrap = options.wrap?.(server.name);
    return agent;
  });
  if (options.start !== false) await Promise.all(agents.map((agent) => agent.start()));
  return agents;
}
