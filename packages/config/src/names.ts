import type { ClusterSpec } from './spec/types.js';

/** Names of the cluster's objects (docs/runtime.md, "Objects"), all prefixed by the ClusterSpec name. */
export interface ClusterNames {
  readonly statefulSet: string;
  readonly headlessService: string;
  readonly leaderService: string;
  readonly followerService: string;
  readonly configMap: string;
  readonly secret: string;
  readonly tlsSecret: string;
  readonly serviceAccount: string;
  readonly lease: string;
  readonly podDisruptionBudget: string;
  readonly networkPolicy: string;
}

export function clusterNames(spec: ClusterSpec): ClusterNames {
  return {
    statefulSet: spec.name,
    headlessService: spec.services.headless,
    leaderService: spec.services.leader,
    followerService: spec.services.follower,
    configMap: `${spec.name}-config`,
    secret: spec.secretName,
    tlsSecret: spec.tls.secretName,
    serviceAccount: `${spec.name}-agent`,
    lease: `${spec.name}-leader`,
    podDisruptionBudget: spec.name,
    networkPolicy: spec.name,
  };
}

/** The MariaDB release series the images ship, as the `app.kubernetes.io/version` label says it. */
export const MARIADB_SERIES = '10.11';

/**
 * Kubernetes' recommended labels, on every object of the cluster: the application is the database (`name`), this
 * cluster is one instance of it, and mysqlha is what it is part of and what manages it.
 */
export function commonLabels(spec: ClusterSpec): Record<string, string> {
  return { ...stableLabels(spec), 'app.kubernetes.io/version': MARIADB_SERIES };
}

/**
 * commonLabels without the version: for what the API server never lets change, such as a StatefulSet's
 * volumeClaimTemplates, so that a new MariaDB series does not make every sync fail.
 */
export function stableLabels(spec: ClusterSpec): Record<string, string> {
  return { ...selectorLabels(spec), 'app.kubernetes.io/component': 'database', 'app.kubernetes.io/managed-by': 'mysqlha' };
}

/**
 * Labels that select the cluster's pods: the StatefulSet's selector, which can never change in a running cluster,
 * so it holds only what never changes. part-of keeps another MariaDB release of the same name (a Helm chart's
 * `mysql`) out of this cluster's Services, NetworkPolicy and PodDisruptionBudget. The agent adds ROLE_LABEL at run
 * time.
 */
export function selectorLabels(spec: Pick<ClusterSpec, 'name'>): Record<string, string> {
  return { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': spec.name, 'app.kubernetes.io/part-of': 'mysqlha' };
}

/** `selectorLabels` as a label selector string, for a list call. */
export function podSelector(spec: Pick<ClusterSpec, 'name'>): string {
  return Object.entries(selectorLabels(spec)).map(([k, v]) => `${k}=${v}`).join(',');
}

/** The label the leader's agent sets on every pod: `leader` or `follower`; the leader and follower Services select by it. */
export const ROLE_LABEL = 'mysqlha.io/role';
/** The annotation an agent publishes its election position in, on its own pod (docs/ha.md). */
export const ELECTION_POSITION_ANNOTATION = 'mysqlha.io/election-position';
export type Role = 'leader' | 'follower';

/**
 * The names the server certificate must be valid for in `namespace`: every pod by its headless Service name (how
 * replicas and clone receivers reach a peer), the leader and follower Services (how clients reach the cluster), and
 * loopback (how the agent and its tools reach their own server).
 */
export function tlsDnsNames(spec: ClusterSpec, namespace: string): string[] {
  const names = [`*.${spec.services.headless}.${namespace}.svc`, `*.${spec.services.headless}.${namespace}.svc.cluster.local`];
  for (const service of [spec.services.leader, spec.services.follower]) names.push(`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`);
  return [...names, 'localhost'];
}

/** Loopback, for the agent's connections to its own server (mysql2 checks an IP host against `localhost`, MariaDB's tools against the IP). */
export const TLS_IP_ADDRESSES = ['127.0.0.1'] as const;
