import { describe, expect, it } from 'vitest';
import { agentSettings, DEFAULT_CLUSTER_SPEC, parseClusterSpec } from '../src/index.js';

describe('agentSettings', () => {
  it('matches the agent.yaml of docs/runtime.md for the default cluster', () => {
    expect(agentSettings(DEFAULT_CLUSTER_SPEC)).toStrictEqual({
      cluster: 'mysql',
      headlessService: 'mysql',
      leaseName: 'mysql-leader',
      leaderService: 'mysql-leader',
      followerService: 'mysql-follower',
      mysqlPort: 3306,
      httpPort: 8080,
      clonePort: 8081,
      metricsPort: 9104,
      loopIntervalMs: 500,
      leaseDurationMs: 4000,
      renewDeadlineMs: 2500,
      semiSyncTimeoutMs: 4294967295,
      semiSyncStepDownAfterMs: 30000,
      maxLagSeconds: 30,
      failoverPolicy: 'safe',
      tlsCertFile: '/var/run/secrets/mysqlha-tls/tls.crt',
      tlsKeyFile: '/var/run/secrets/mysqlha-tls/tls.key',
      tlsCaFile: '/var/run/secrets/mysqlha-tls/ca.crt',
    });
  });

  it('follows the cluster name and policy', () => {
    const settings = agentSettings(parseClusterSpec({ name: 'orders', ha: { failoverPolicy: 'available' } }));
    expect(settings).toMatchObject({ cluster: 'orders', leaseName: 'orders-leader', leaderService: 'orders-leader', failoverPolicy: 'available' });
  });
});
