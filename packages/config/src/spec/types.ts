/** A container image: a repository plus a tag, a digest, or both (the digest wins at pull time). */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Kubernetes resource quantities for one container, e.g. `{ requests: { cpu: '500m', memory: '1Gi' } }`. */
export interface ResourceList {
  readonly cpu?: string;
  readonly memory?: string;
  readonly 'ephemeral-storage'?: string;
}

export interface ContainerResources {
  readonly requests: ResourceList;
  readonly limits: ResourceList;
}

export type ContainerName = 'mysql' | 'agent' | 'slowlog' | 'init' | 'clone';

export type StorageMode = 'local' | 'dynamic';

export interface StorageSpec {
  /** `local`: pre-created PersistentVolumes bound through a no-provisioner StorageClass; `dynamic`: a provisioner creates volumes. */
  readonly mode: StorageMode;
  /** StorageClass of the `data` claims; empty in `dynamic` mode means the cluster's default class. */
  readonly className: string;
  readonly size: string;
}

export type MyCnfValue = string | number | boolean;

export interface ServerSpec {
  /** A Kubernetes memory quantity, e.g. `512Mi`; written to my.cnf in bytes. */
  readonly innodbBufferPoolSize: string;
  readonly maxConnections: number;
  /** `long_query_time`: statements slower than this many seconds go to the slow log. */
  readonly slowQueryThresholdSeconds: number;
  /** Further `[mysqld]` settings; may not override a setting the HA contract depends on. */
  readonly extra: Readonly<Record<string, MyCnfValue>>;
}

export type FailoverPolicy = 'safe' | 'available';

export interface HaSpec {
  readonly loopIntervalMs: number;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  /** `rpl_semi_sync_master_timeout`: how long a commit waits for a replica's ACK before semi-sync degrades. */
  readonly semiSyncTimeoutMs: number;
  /** A leader with no semi-sync replica attached for this long (while it has peers) steps down. */
  readonly semiSyncStepDownAfterMs: number;
  /** `safe`: never promote while a follower that may hold an acknowledged write is unreachable; `available`: promote the most advanced reachable. */
  readonly failoverPolicy: FailoverPolicy;
  /** A follower lagging more than this is not ready, so the follower Service stops routing reads to it. */
  readonly maxLagSeconds: number;
}

export interface ServiceNames {
  readonly headless: string;
  readonly leader: string;
  readonly follower: string;
}

export interface Ports {
  readonly mysql: number;
  /** The agent's HTTP server: probes, status, and the calls peers make. */
  readonly agent: number;
  /** The clone donor, which streams a hot backup to a peer. */
  readonly clone: number;
  /** The agent's Prometheus metrics, on a port of their own so that monitoring reaches nothing else. */
  readonly metrics: number;
}

/** The server certificate every pod mounts (docs/runtime.md, "TLS"). */
export interface TlsSpec {
  /** A `kubernetes.io/tls` Secret with `tls.crt`, `tls.key` and `ca.crt`: cert-manager's, or generated for dev. */
  readonly secretName: string;
  /** `require_secure_transport`: the server refuses every TCP connection that is not TLS. */
  readonly requireSecureTransport: boolean;
}

export interface ClusterSpec {
  /** Prefix of every object name; also the StatefulSet and headless Service name. */
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly images: { readonly mysql: ImageRef; readonly agent: ImageRef };
  readonly storage: StorageSpec;
  readonly resources: Readonly<Record<ContainerName, ContainerResources>>;
  readonly server: ServerSpec;
  readonly ha: HaSpec;
  readonly services: ServiceNames;
  readonly secretName: string;
  readonly tls: TlsSpec;
  readonly ports: Ports;
}
