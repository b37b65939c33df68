import { asRecord, nameOf, namespaceOf, ofKind } from '../objects.js';
import { referencesIn } from './references.js';
import { finding, type Policy } from './types.js';

/**
 * Published by the cluster itself in every namespace (kube-controller-manager's root CA publisher), with these keys:
 * a render never holds it, and a reference to it is sound.
 */
const CLUSTER_PUBLISHED: Record<string, readonly string[]> = { 'kube-root-ca.crt': ['ca.crt'] };

export const configMapRefs: Policy = {
  id: 'configmap-refs',
  check({ objects }) {
    const configMaps = ofKind(objects, 'ConfigMap');
    return referencesIn(objects)
      .filter((ref) => ref.target === 'ConfigMap' && !ref.optional)
      .flatMap((ref) => {
        const published = CLUSTER_PUBLISHED[ref.name];
        if (published) {
          if (ref.key === undefined || published.includes(ref.key)) return [];
          return [finding('configmap-refs', ref.object, ref.keyPath ?? ref.namePath, `ConfigMap "${ref.name}" (published by the cluster) has no key "${ref.key}" (it has: ${published.join(', ')})`)];
        }
        const configMap = configMaps.find((candidate) => nameOf(candidate) === ref.name && namespaceOf(candidate) === ref.namespace);
        if (!configMap) return [finding('configmap-refs', ref.object, ref.namePath, `ConfigMap "${ref.name}" is not in the render`)];
        if (ref.key === undefined) return [];
        const keys = new Set([...Object.keys(asRecord(configMap.data)), ...Object.keys(asRecord(configMap.binaryData))]);
        if (keys.has(ref.key)) return [];
        return [finding('configmap-refs', ref.object, ref.keyPath ?? ref.namePath, `ConfigMap "${ref.name}" has no key "${ref.key}" (it has: ${[...keys].join(', ') || 'none'})`)];
      });
  },
};
