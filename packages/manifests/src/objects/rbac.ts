import { AGENT_RBAC_RULES, agentResourceNames, clusterNames, type ClusterSpec } from '@mysqlha/config';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { objectMeta } from './meta.js';

type Named<T> = T & { metadata: { name: string; namespace: string } };

export function serviceAccount(spec: ClusterSpec): Named<IServiceAccount> {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMeta(spec, clusterNames(spec).serviceAccount),
  };
}

/** Exactly the calls the agent makes, in its own namespace, on its own Lease and pods wherever RBAC can say so. */
export function role(spec: ClusterSpec): Named<IRole> {
  const names = agentResourceNames(spec);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: objectMeta(spec, clusterNames(spec).serviceAccount),
    rules: AGENT_RBAC_RULES.map((rule) => ({
      apiGroups: [rule.apiGroup],
      resources: [rule.resource],
      ...(rule.named ? { resourceNames: names[rule.named] } : {}),
      verbs: [...rule.verbs],
    })),
  };
}

export function roleBinding(spec: ClusterSpec): Named<IRoleBinding> {
  const name = clusterNames(spec).serviceAccount;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: objectMeta(spec, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: spec.namespace }],
  };
}
