import { AGENT_RBAC_RULES } from '@mysqlha/config';
import { asArray, asRecord, asString, nameOf, namespaceOf, type KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

const allowed = (group: string, resource: string, verb: string): boolean =>
  AGENT_RBAC_RULES.some((rule) => rule.apiGroup === group && rule.resource === resource && rule.verbs.includes(verb));

/** Whether RBAC can limit this call to named objects ('lease' / 'pods'), as AGENT_RBAC_RULES says. */
const namedAs = (group: string, resource: string, verb: string): 'lease' | 'pods' | undefined =>
  AGENT_RBAC_RULES.find((rule) => rule.apiGroup === group && rule.resource === resource && rule.verbs.includes(verb))?.named;

const strings = (value: unknown): string[] => asArray(value).filter((item): item is string => typeof item === 'string');

/** What each rule grants beyond the agent's calls, or on more objects than its own. */
function extraGrants(role: KubeObject): Finding[] {
  const findings: Finding[] = [];
  asArray(role.rules).forEach((rule, index) => {
    const r = asRecord(rule);
    const report = (field: string, message: string) => findings.push(finding('rbac', role, ['rules', index, field], message));
    if (asArray(r.nonResourceURLs).length > 0) report('nonResourceURLs', 'grants non-resource URLs, which the agent never calls');
    for (const field of ['apiGroups', 'resources', 'verbs']) {
      if (strings(r[field]).includes('*')) report(field, `wildcard "*" in ${field} grants more than the agent calls`);
    }
    const unnamed = strings(r.resourceNames).length === 0;
    for (const group of strings(r.apiGroups)) {
      for (const resource of strings(r.resources)) {
        const verbs = strings(r.verbs).filter((verb) => verb !== '*' && group !== '*' && resource !== '*' && !allowed(group, resource, verb));
        if (verbs.length > 0) report('verbs', `grants ${verbs.join(', ')} on ${group === '' ? '' : `${group}/`}${resource}, which the agent never calls`);
        const wide = strings(r.verbs).filter((verb) => unnamed && namedAs(group, resource, verb) !== undefined);
        if (wide.length > 0) {
          report('resourceNames', `grants ${wide.join(', ')} on every ${resource === 'leases' ? 'Lease' : 'pod'} of the namespace; limit it with resourceNames to the cluster's own`);
        }
      }
    }
  });
  return findings;
}

/** Whether `role` grants the call on every object in `names` (any object, when the rule names none). */
function grants(role: KubeObject, group: string, resource: string, verb: string, names: readonly string[]): boolean {
  return asArray(role.rules).some((rule) => {
    const r = asRecord(rule);
    const named = strings(r.resourceNames);
    return (
      strings(r.apiGroups).includes(group) &&
      strings(r.resources).includes(resource) &&
      (strings(r.verbs).includes(verb) || strings(r.verbs).includes('*')) &&
      (named.length === 0 || names.every((n) => named.includes(n)))
    );
  });
}

/** The StatefulSets whose pods run as `account` (namespace/name): the Role must name their pods and Lease. */
function statefulSetsOf(objects: readonly KubeObject[], account: string): { name: string; replicas: number }[] {
  return podTemplates(objects)
    .filter((t) => t.object.kind === 'StatefulSet' && `${namespaceOf(t.object)}/${asString(t.spec.serviceAccountName) ?? 'default'}` === account)
    .map((t) => ({ name: nameOf(t.object), replicas: Number(asRecord(t.object.spec).replicas ?? 1) }));
}

/** Roles bound to a ServiceAccount that some pod template runs as, with that account: the agent needs every call it makes. */
function agentRoles(objects: readonly KubeObject[]): { role: KubeObject; account: string }[] {
  const accounts = new Set(
    podTemplates(objects).map((template) => `${namespaceOf(template.object)}/${asString(template.spec.serviceAccountName) ?? 'default'}`),
  );
  const found: { role: KubeObject; account: string }[] = [];
  for (const binding of objects.filter((object) => object.kind === 'RoleBinding')) {
    const ref = asRecord(binding.roleRef);
    if (ref.kind !== 'Role') continue;
    for (const subject of asArray(binding.subjects)) {
      const s = asRecord(subject);
      const account = `${asString(s.namespace) ?? namespaceOf(binding)}/${asString(s.name) ?? ''}`;
      if (s.kind !== 'ServiceAccount' || !accounts.has(account)) continue;
      const role = objects.find((object) => object.kind === 'Role' && namespaceOf(object) === namespaceOf(binding) && nameOf(object) === asString(ref.name));
      if (role) found.push({ role, account });
    }
  }
  return found;
}

/**
 * The Role grants exactly `AGENT_RBAC_RULES` from @mysqlha/config: nothing more, named calls only on the cluster's
 * own Lease and pods, and nothing the agent would miss (every pod of its StatefulSet, its `<name>-leader` Lease).
 */
export const rbac: Policy = {
  id: 'rbac',
  check({ objects }) {
    const findings = objects.filter((object) => object.kind === 'Role' || object.kind === 'ClusterRole').flatMap(extraGrants);
    for (const { role, account } of agentRoles(objects)) {
      const sets = statefulSetsOf(objects, account);
      const required = {
        pods: sets.flatMap((set) => Array.from({ length: set.replicas }, (_, i) => `${set.name}-${i}`)),
        lease: sets.map((set) => `${set.name}-leader`),
      };
      for (const rule of AGENT_RBAC_RULES) {
        const names = rule.named ? required[rule.named] : [];
        const missing = rule.verbs.filter((verb) => !grants(role, rule.apiGroup, rule.resource, verb, names));
        if (missing.length > 0) {
          const what = rule.named && names.length > 0 ? ` (${names.join(', ')})` : '';
          // More pods than the generated Role names: the overlay's replica count outgrew the ClusterSpec's.
          const why = rule.named === 'pods' ? '; the generated Role names the pods up to ClusterSpec replicas: raise it and run `npm run generate`' : '';
          findings.push(finding('rbac', role, ['rules'], `does not grant ${missing.join(', ')} on ${rule.apiGroup === '' ? '' : `${rule.apiGroup}/`}${rule.resource}${what}, which the agent calls${why}`));
        }
      }
    }
    return findings;
  },
};
