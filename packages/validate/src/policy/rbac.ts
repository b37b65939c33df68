import { AGENT_RBAC_RULES } from '@mysqlha/config';
import { asArray, asRecord, asString, nameOf, namespaceOf, type KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

const allowed = (group: string, resource: string, verb: string): boolean =>
  AGENT_RBAC_RULES.some((rule) => rule.apiGroup === group && rule.resource === resource && rule.verbs.includes(verb));

const strings = (value: unknown): string[] => asArray(value).filter((item): item is string => typeof item === 'string');

/** What each rule grants beyond the agent's calls. */
function extraGrants(role: KubeObject): Finding[] {
  const findings: Finding[] = [];
  asArray(role.rules).forEach((rule, index) => {
    const r = asRecord(rule);
    const report = (field: string, message: string) => findings.push(finding('rbac', role, ['rules', index, field], message));
    if (asArray(r.nonResourceURLs).length > 0) report('nonResourceURLs', 'grants non-resource URLs, which the agent never calls');
    for (const field of ['apiGroups', 'resources', 'verbs']) {
      if (strings(r[field]).includes('*')) report(field, `wildcard "*" in ${field} grants more than the agent calls`);
    }
    for (const group of strings(r.apiGroups)) {
      for (const resource of strings(r.resources)) {
        const verbs = strings(r.verbs).filter((verb) => verb !== '*' && group !== '*' && resource !== '*' && !allowed(group, resource, verb));
        if (verbs.length > 0) report('verbs', `grants ${verbs.join(', ')} on ${group === '' ? '' : `${group}/`}${resource}, which the agent never calls`);
      }
    }
  });
  return findings;
}

function grants(role: KubeObject, group: string, resource: string, verb: string): boolean {
  return asArray(role.rules).some((rule) => {
    const r = asRecord(rule);
    return strings(r.apiGroups).includes(group) && strings(r.resources).includes(resource) && (strings(r.verbs).includes(verb) || strings(r.verbs).includes('*')) && asArray(r.resourceNames).length === 0;
  });
}

/** Roles bound to a ServiceAccount that some pod template runs as: the agent needs every call it makes. */
function agentRoles(objects: readonly KubeObject[]): KubeObject[] {
  const accounts = new Set(
    podTemplates(objects).map((template) => `${namespaceOf(template.object)}/${asString(template.spec.serviceAccountName) ?? 'default'}`),
  );
  const names = new Set<string>();
  for (const binding of objects.filter((object) => object.kind === 'RoleBinding')) {
    const ref = asRecord(binding.roleRef);
    if (ref.kind !== 'Role') continue;
    const boundToPods = asArray(binding.subjects).some((subject) => {
      const s = asRecord(subject);
      return s.kind === 'ServiceAccount' && accounts.has(`${asString(s.namespace) ?? namespaceOf(binding)}/${asString(s.name) ?? ''}`);
    });
    if (boundToPods) names.add(`${namespaceOf(binding)}/${asString(ref.name) ?? ''}`);
  }
  return objects.filter((object) => object.kind === 'Role' && names.has(`${namespaceOf(object)}/${nameOf(object)}`));
}

/** The Role grants exactly `AGENT_RBAC_RULES` from @mysqlha/config: nothing more, and nothing the agent would miss. */
export const rbac: Policy = {
  id: 'rbac',
  check({ objects }) {
    const findings = objects.filter((object) => object.kind === 'Role' || object.kind === 'ClusterRole').flatMap(extraGrants);
    for (const role of agentRoles(objects)) {
      for (const rule of AGENT_RBAC_RULES) {
        const missing = rule.verbs.filter((verb) => !grants(role, rule.apiGroup, rule.resource, verb));
        if (missing.length > 0) {
          findings.push(finding('rbac', role, ['rules'], `does not grant ${missing.join(', ')} on ${rule.apiGroup === '' ? '' : `${rule.apiGroup}/`}${rule.resource}, which the agent calls`));
        }
      }
    }
    return findings;
  },
};
