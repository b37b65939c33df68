import type { ClusterSpec } from './spec/types.js';

/** Names of the cluster's objects (docs/runtime.md, "Objects"), all prefixed by the ClusterSpec name. */
export interface ClusterNames {
  readonly statefulSet: string;
  readonly headlessService: string;
  readonly leaderService: string;
  readonly followerService: string;
  readonly configMap: string;
  readonly secret: string;
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
    serviceAccount: `${spec.name}-agent`,
    lease: `${spec.name}-leader`,
    podDisruptionBudget: spec.name,
    networkPolicy: spec.name,
  };
}

/** Labels on every object of the cluster. */
export function commonLabels(spec: ClusterSpec): Record<string, string> {
  return { ...selectorLabels(spec), 'app.kubernetes.io/managed-by': 'mysqlha' };
}

/** Labels that select the cluster's pods; the agent adds `role` (ROLE_LABEL) at run time. */
export function selectorLabels(spec: ClusterSpec): Record<string, string> {
  return { 'app.kubernetes.io/name': 'mysqlha', 'app.kubernetes.io/instance': spec.name };
}

export const ROLE_LABEL = 'role';
/** The annotation an agent publishes its election position in, on its own pod (docs/ha.md). */
export const ELECTION_POSITION_ANNOTATION = 'mysqlha.io/election-position';
export type Role = 'leader' | 'follower';
