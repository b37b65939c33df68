/**
 * The Kubernetes API calls the HA agent makes, and therefore the only grants its Role may hold.
 * The manifests generator writes exactly these rules; the validator rejects any Role that grants more.
 */
export interface RbacRule {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
}

export const AGENT_RBAC_RULES: readonly RbacRule[] = [
  { apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'patch'] },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'] },
  { apiGroup: '', resource: 'events', verbs: ['create'] },
];
