import type { ClusterSpec, FailoverPolicy } from './spec/types.js';
import { clusterNames } from './names.js';
import { POD_PATHS, TLS_FILES } from './paths.js';

/** The ConfigMap's `agent.yaml` (docs/runtime.md), read by every agent sub-command. */
export interface AgentSettings {
  readonly cluster: string;
  readonly headlessService: string;
  readonly leaseName: string;
  readonly leaderService: string;
  readonly followerService: string;
  readonly mysqlPort: number;
  readonly httpPort: number;
  readonly clonePort: number;
  readonly metricsPort: number;
  readonly loopIntervalMs: number;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly semiSyncTimeoutMs: number;
  readonly semiSyncStepDownAfterMs: number;
  readonly maxLagSeconds: number;
  readonly failoverPolicy: FailoverPolicy;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly tlsCaFile: string;
}

export function agentSettings(spec: ClusterSpec): AgentSettings {
  return {
    cluster: spec.name,
    headlessService: spec.services.headless,
    leaseName: clusterNames(spec).lease,
    leaderService: spec.services.leader,
    followerService: spec.services.follower,
    mysqlPort: spec.ports.mysql,
    httpPort: spec.ports.agent,
    clonePort: spec.ports.clone,
    metricsPort: spec.ports.metrics,
    loopIntervalMs: spec.ha.loopIntervalMs,
    leaseDurationMs: spec.ha.leaseDurationMs,
    renewDeadlineMs: spec.ha.renewDeadlineMs,
    semiSyncTimeoutMs: spec.ha.semiSyncTimeoutMs,
    semiSyncStepDownAfterMs: spec.ha.semiSyncStepDownAfterMs,
    maxLagSeconds: spec.ha.maxLagSeconds,
    failoverPolicy: spec.ha.failoverPolicy,
    tlsCertFile: `${POD_PATHS.tlsDir}/${TLS_FILES.cert}`,
    tlsKeyFile: `${POD_PATHS.tlsDir}/${TLS_FILES.key}`,
    tlsCaFile: `${POD_PATHS.tlsDir}/${TLS_FILES.ca}`,
  };
}
