import { DEFAULT_CLUSTER_SPEC, type ClusterSpec } from '@mysqlha/config';
import { configMap } from './objects/config-map.js';
import { podDisruptionBudget } from './objects/disruption.js';
import { externalSecret } from './objects/external-secret.js';
import { networkPolicy } from './objects/network-policy.js';
import { agentPodPolicy, role, roleBinding, serviceAccount } from './objects/rbac.js';
import { headlessService, roleService } from './objects/services.js';
import { statefulSet } from './objects/statefulset.js';
import type { KubeObject } from './objects/types.js';

/** Every object of a cluster, as plain data, in the order base/ lists them. */
export function synth(spec: ClusterSpec = DEFAULT_CLUSTER_SPEC): KubeObject[] {
  return [
    serviceAccount(spec),
    role(spec),
    roleBinding(spec),
    ...agentPodPolicy(spec),
    configMap(spec),
    externalSecret(spec),
    headlessService(spec),
    roleService(spec, 'leader'),
    roleService(spec, 'follower'),
    statefulSet(spec),
    podDisruptionBudget(spec),
    networkPolicy(spec),
  ];
}
