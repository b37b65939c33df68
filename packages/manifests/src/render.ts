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

/** Where the ConfigMap's keys are written, one file each, for the kustomization's configMapGenerator. */
export const CONFIG_DIR = 'config';

/**
 * The contents of base/: file name to text, one file per object plus the kustomization listing them. The ConfigMap
 * is a configMapGenerator over `config/<key>` instead: kustomize names it after a hash of its final content, an
 * overlay's merged keys included, and renames the StatefulSet's reference, so any change of configuration in any
 * overlay rolls the pods.
 */
export function renderBase(spec: ClusterSpec = DEFAULT_CLUSTER_SPEC): Map<string, string> {
  const files = new Map<string, string>();
  const generators: unknown[] = [];
  for (const object of synth(spec)) {
    if (object.kind === 'ConfigMap') {
      const data = (object as { data?: Record<string, string> }).data ?? {};
      for (const [key, text] of Object.entries(data)) files.set(`${CONFIG_DIR}/${key}`, text);
      generators.push({ name: object.metadata.name, files: Object.keys(data).sort().map((key) => `${CONFIG_DIR}/${key}`), options: { labels: object.metadata.labels } });
      continue;
    }
    const name = fileName(object);
    if (files.has(name)) throw new Error(`two objects would be written to ${name}`);
    files.set(name, toYaml(withoutNamespace(object)));
  }
  const resources = [...files.keys()].filter((name) => !name.startsWith(`${CONFIG_DIR}/`)).sort();
  files.set(KUSTOMIZATION, toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: spec.namespace, resources, configMapGenerator: generators }));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
