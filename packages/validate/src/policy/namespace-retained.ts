import { annotationsOf, ofKind } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding, type Policy } from './types.js';

/** What keeps each GitOps engine from deleting an object it manages (docs/runtime.md, "Objects"). */
const RETAIN: readonly { annotation: string; wants: readonly string[]; engine: string }[] = [
  { annotation: 'argocd.argoproj.io/sync-options', wants: ['Prune=false', 'Delete=false'], engine: 'Argo CD' },
  { annotation: 'kustomize.toolkit.fluxcd.io/prune', wants: ['disabled'], engine: 'Flux' },
];

/**
 * A GitOps engine that prunes a Namespace deletes every PersistentVolumeClaim in it, the data volumes included:
 * in an environment a GitOps engine syncs, each Namespace carries what keeps Argo CD and Flux from deleting it,
 * when a sync no longer renders it and when its Application or Kustomization is deleted. Dev is applied by hand.
 */
export const namespaceRetained: Policy = {
  id: 'namespace-retained',
  needsEnvironment: true,
  check({ objects, environment }) {
    if (environment === 'dev') return [];
    const findings: Finding[] = [];
    for (const namespace of ofKind(objects, 'Namespace')) {
      const annotations = annotationsOf(namespace);
      for (const { annotation, wants, engine } of RETAIN) {
        const have = String(annotations[annotation] ?? '').split(',').map((option) => option.trim());
        const missing = wants.filter((want) => !have.includes(want));
        if (missing.length > 0) {
          findings.push(finding('namespace-retained', namespace, ['metadata', 'annotations', annotation], `expected ${annotation}: ${wants.join(',')}, so ${engine} never deletes the namespace and its data volumes (missing ${missing.join(', ')})`));
        }
      }
    }
    return findings;
  },
};
