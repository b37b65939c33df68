import type { ClusterSpec } from './types.js';

/** Tag of the images built from this repository; overlays replace it (prod pins a digest). */
export const IMAGE_VERSION = '0.1.0';

/** The default ClusterSpec, the one `base/` is generated from. Name-derived fields follow `name`. */
export function defaultClusterSpec(name = 'mysql'): ClusterSpec {
  return {
    name,
    namespace: 'mysqlha',
    replicas: 3,
    images: {
      mysql: { repository: 'mysqlha/mysql', tag: IMAGE_VERSION },
      agent: { repository: 'mysqlha/agent', tag: IMAGE_VERSION },
    },
    storage: { mode: 'dynamic', className: 'mysqlha', size: '10Gi' },
    // CPU limits stay well above the requests: a throttled agent could miss a Lease renewal and demote a healthy leader.
    resources: {
      mysql: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
      // The clone donor runs mariabackup from the agent container.
      agent: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      slowlog: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
      init: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      // mariabackup --prepare replays the redo log in memory.
      clone: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '512Mi' } },
    },
    server: {
      innodbBufferPoolSize: '512Mi',
      maxConnections: 500,
      slowQueryThresholdSeconds: 1,
      extra: {
        binlog_expire_logs_seconds: 604800,
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
      },
    },
    ha: {
      loopIntervalMs: 500,
      leaseDurationMs: 4000,
      renewDeadlineMs: 2500,
      // About 49 days: a commit waits for a replica's acknowledgement rather than silently become asynchronous
      // (and losable); a leader with no replica attached steps down after semiSyncStepDownAfterMs instead.
      semiSyncTimeoutMs: 4294967295,
      semiSyncStepDownAfterMs: 30000,
      failoverPolicy: 'safe',
      maxLagSeconds: 30,
    },
    services: { headless: name, leader: `${name}-leader`, follower: `${name}-follower` },
    secretName: `${name}-credentials`,
    tls: { secretName: `${name}-tls`, requireSecureTransport: true },
    ports: { mysql: 3306, agent: 8080, clone: 8081, metrics: 9104 },
  };
}

export const DEFAULT_CLUSTER_SPEC: ClusterSpec = defaultClusterSpec();
