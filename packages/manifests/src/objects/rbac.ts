import { AGENT_RBAC_RULES, agentResourceNames, clusterNames, ELECTION_POSITION_ANNOTATION, ROLE_LABEL, type ClusterSpec } from '@mysqlha/config';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
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

/**
 * What RBAC cannot say: the agent may patch its pods, but only their `role` label (to `leader` or `follower`)
 * and the annotation it publishes its election position in. Cluster-scoped (admission policies have no
 * namespace), and the same in every namespace: it applies to this ServiceAccount's requests on pods of its own
 * namespace, whichever that is.
 */
export function agentPodPolicy(spec: ClusterSpec): [Named<IValidatingAdmissionPolicy>, Named<IValidatingAdmissionPolicyBinding>] {
  const account = clusterNames(spec).serviceAccount;
  const name = `mysqlha-${account}-pod-patches`;
  const map = (o: string, field: string) => `(has(${o}.metadata.${field}) ? ${o}.metadata.${field} : {})`;
  /** Every key of variables[name] but `key` is as it was in variables[old], and none came or went. */
  const onlyKeyChanges = (name: string, old: string, key: string) =>
    `variables.${name}.all(k, k == '${key}' || (k in variables.${old} && variables.${old}[k] == variables.${name}[k])) && variables.${old}.all(k, k == '${key}' || k in variables.${name})`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: objectMeta(spec, name),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods'] }] },
        matchConditions: [{ name: 'the-agent', expression: `request.userInfo.username == 'system:serviceaccount:' + request.namespace + ':${account}'` }],
        variables: [
          { name: 'labels', expression: map('object', 'labels') },
          { name: 'oldLabels', expression: map('oldObject', 'labels') },
          { name: 'annotations', expression: map('object', 'annotations') },
          { name: 'oldAnnotations', expression: map('oldObject', 'annotations') },
        ],
        validations: [
          { expression: onlyKeyChanges('labels', 'oldLabels', ROLE_LABEL), message: `the mysqlha agent may change no label of a pod but ${ROLE_LABEL}` },
          {
            expression: `'${ROLE_LABEL}' in variables.labels ? variables.labels['${ROLE_LABEL}'] in ['leader', 'follower'] : !('${ROLE_LABEL}' in variables.oldLabels)`,
            message: `the mysqlha agent may set ${ROLE_LABEL} to leader or follower only, and never remove it`,
          },
          {
            expression: onlyKeyChanges('annotations', 'oldAnnotations', ELECTION_POSITION_ANNOTATION),
            message: `the mysqlha agent may change no annotation of a pod but ${ELECTION_POSITION_ANNOTATION}`,
          },
          { expression: 'object.spec == oldObject.spec', message: "the mysqlha agent may change nothing in a pod's spec" },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: objectMeta(spec, name),
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}
