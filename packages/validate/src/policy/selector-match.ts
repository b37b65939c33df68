import { ROLE_LABEL } from '@mysqlha/config';
import { asArray, asRecord, asString, isRecord, labelsOf, namespaceOf, type KubeObject } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { podTemplates, type PodTemplate } from './pods.js';
import { finding, type Policy } from './types.js';

/**
 * The HA agent labels pods leader or follower (ROLE_LABEL) at run time, so a selector may ask for that
 * label even though no pod template carries it.
 */
const RUNTIME_LABELS: Readonly<Record<string, readonly string[]>> = { [ROLE_LABEL]: ['leader', 'follower'] };

interface Selector {
  readonly matchLabels: Record<string, string>;
  readonly matchExpressions: readonly Record<string, unknown>[];
}

function matches(selector: Selector, labels: Record<string, string>, runtimeLabels = RUNTIME_LABELS): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] === value) continue;
    if (labels[key] === undefined && runtimeLabels[key]?.includes(value)) continue;
    return false;
  }
  for (const expression of selector.matchExpressions) {
    const key = asString(expression.key) ?? '';
    const values = asArray(expression.values).filter((value): value is string => typeof value === 'string');
    const label = labels[key];
    const runtime = label === undefined && runtimeLabels[key] !== undefined;
    switch (expression.operator) {
      case 'In':
        if (!(label !== undefined ? values.includes(label) : runtime && values.some((value) => runtimeLabels[key]?.includes(value)))) return false;
        break;
      case 'NotIn':
        if (label !== undefined && values.includes(label)) return false;
        break;
      case 'Exists':
        if (label === undefined && !runtime) return false;
        break;
      case 'DoesNotExist':
        if (label !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function describe(selector: Selector): string {
  const parts = Object.entries(selector.matchLabels).map(([key, value]) => `${key}=${value}`);
  if (selector.matchExpressions.length > 0) parts.push(`${selector.matchExpressions.length} match expression(s)`);
  return parts.join(', ');
}

/** Selectors in the render and where they live: Service, workload, PodDisruptionBudget, NetworkPolicy. */
function selectorsOf(object: KubeObject): { path: PathSegment[]; selector: Selector; own?: PodTemplate }[] {
  const spec = asRecord(object.spec);
  const labelSelector = (value: unknown): Selector | undefined =>
    isRecord(value)
      ? { matchLabels: labelsOf(value.matchLabels), matchExpressions: asArray(value.matchExpressions).filter(isRecord) }
      : undefined;
  switch (object.kind) {
    case 'Service': {
      const labels = labelsOf(spec.selector);
      return Object.keys(labels).length > 0 ? [{ path: ['spec', 'selector'], selector: { matchLabels: labels, matchExpressions: [] } }] : [];
    }
    case 'PodDisruptionBudget': {
      const selector = labelSelector(spec.selector);
      return selector ? [{ path: ['spec', 'selector'], selector }] : [];
    }
    case 'NetworkPolicy': {
      const selector = labelSelector(spec.podSelector);
      const empty = selector && Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
      return selector && !empty ? [{ path: ['spec', 'podSelector'], selector }] : [];
    }
    case 'StatefulSet':
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet': {
      const selector = labelSelector(spec.selector);
      const own = podTemplates([object])[0];
      return selector && own ? [{ path: ['spec', 'selector'], selector, own }] : [];
    }
    default:
      return [];
  }
}

export const selectorMatch: Policy = {
  id: 'selector-match',
  check({ objects }) {
    const templates = podTemplates(objects);
    const findings: Finding[] = [];
    for (const object of objects) {
      for (const { path, selector, own } of selectorsOf(object)) {
        if (own) {
          // The API server checks a workload's selector against its template as written: no run-time labels.
          if (!matches(selector, own.labels, {})) {
            findings.push(finding('selector-match', object, path, `selector (${describe(selector)}) does not match the pod template's labels`));
          }
          continue;
        }
        const namespace = namespaceOf(object);
        const selected = templates.some((template) => namespaceOf(template.object) === namespace && matches(selector, template.labels));
        if (!selected) {
          findings.push(finding('selector-match', object, path, `selector (${describe(selector)}) matches no pod template in the render`));
        }
      }
    }
    return findings;
  },
};
