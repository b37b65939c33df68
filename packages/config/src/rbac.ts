import { clusterNames } from './names.js';
import type { ClusterSpec } from './spec/types.js';

/**
 * The Kubernetes API calls the HA agent makes, and therefore the only grants its Role may hold.
 * The manifests generator writes exactly these rules; the validator rejects any Role that grants more.
 */
export interface RbacRule {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  /**
   * These verbs name one object, so the rule is limited to the cluster's own with `resourceNames`: its Lease, or
   * its pods. `list` and `create` name none, and RBAC cannot limit them by name.
   */
  readonly named?: 'lease' | 'pods';
}

export const AGENT_RBAC_RULES: readonly RbacRule[] = [
  // Its own and its peers' pods: the role label (patch) and the positions published for an election (get, patch).
  { apiGroup: '', resource: 'pods', verbs: ['get', 'patch'], named: 'pods' },
  { apiGroup: '', resource: 'pods', verbs: ['list'] },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'update'], named: 'lease' },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['create'] },
  { apiGroup: '', resource: 'events', verbs: ['create'] },
];

/**
 * The Role names this many pods at least, so that `kubectl scale` up to it works without regenerating the Role;
 * beyond it, raise `replicas` in the spec (the validator says so when a StatefulSet outgrows its Role).
 */
export const ROLE_POD_NAMES_MIN = 9;

/** The objects the agent's named rules are limited to. */
export function agentResourceNames(spec: ClusterSpec): { lease: string[]; pods: string[] } {
  const names = clusterNames(spec);
  const count = Math.max(spec.replicas, ROLE_POD_NAMES_MIN);
  return { lease: [names.lease], pods: Array.from({ length: count }, (_, i) => `${names.statefulSet}-${i}`) };
}
