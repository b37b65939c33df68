import { agentSettings, defaultClusterSpec, type ClusterSpec } from '@mysqlha/config';
import type { FakeKube } from '../kube/fake-kube.js';
import type { MariaServer } from '../mariadb/server.js';

export interface PeerAddress {
  host: string;
  mysqlPort: number;
  httpPort: number;
  clonePort: number;
}

export interface AgentPorts {
  httpPort: number;
  clonePort: number;
  metricsPort: number;
}

/**
 * agent.yaml for the agent of `server`: the cluster's settings (agentSettings of @mysqlha/config), then the
 * optional keys of docs/runtime.md that let several agents share one host, then the caller's `settings`.
 */
export function agentConfig(options: {
  spec?: ClusterSpec;
  server: MariaServer;
  ports: AgentPorts;
  runDir: string;
  kube: FakeKube;
  peers: Record<string, PeerAddress>;
  settings?: Record<string, unknown>;
}): Record<string, unknown> {
  const { server, ports, runDir, kube, peers, settings = {} } = options;
  return {
    ...agentSettings(options.spec ?? defaultClusterSpec()),
    mysqlHost: '127.0.0.1',
    mysqlPort: server.port,
    mysqlSocket: server.socketPath,
    httpPort: ports.httpPort,
    clonePort: ports.clonePort,
    metricsPort: ports.metricsPort,
    dataDir: server.dataDir,
    runDir,
    secretsDir: server.secrets.dir,
    kubeApiUrl: kube.url,
    kubeTokenFile: kube.tokenFile(server.name),
    peerAddresses: peers,
    tlsCertFile: server.tls?.cert ?? '',
    tlsKeyFile: server.tls?.key ?? '',
    tlsCaFile: server.tls?.ca ?? '',
    ...settings,
  };
}
