import { DEFAULT_CLUSTER_SPEC, type ClusterSpec } from '@mysqlha/config';
import type { KubeObject } from './objects/types.js';
import { fileName, toYaml } from './serialize.js';
import { synth } from './synth.js';

export const KUSTOMIZATION = 'kustomization.yaml';

/**
 * The object as written to base/: without its namespace, which base/kustomization.yaml sets instead.
 * That way an overlay's `namespace:` also moves the RoleBinding subject, and overlays' patches, which
 * name no namespace, match.
 */
function withoutNamespace(object: KubeObject): unknown {
  const copy = structuredClone(object) as unknown as { metadata: { namespace?: string }; subjects?: { namespace?: string }[] };
  delete copy.metadata.namespace;
  for (const subject of copy.subjects ?? []) if (subject.namespace === object.metadata.namespace) delete subject.namespace;
  return copy;
}

/** The contents of base/: file name to text, one file per object plus the kustomization listing them. */
export function renderBase(spec: ClusterSpec = DEFAULT_CLUSTER_SPEC): Map<string, string> {
  const files = new Map<string, string>();
  for (const object of synth(spec)) {
    const name = fileName(object);
    if (files.has(name)) throw new Error(`two objects would be written to ${name}`);
    files.set(name, toYaml(withoutNamespace(object)));
  }
  const resources = [...files.keys()].sort();
  files.set(KUSTOMIZATION, toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: spec.namespace, resources }));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
