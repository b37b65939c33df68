import { SECRET_KEYS, type ClusterSpec } from '@mysqlha/config';
import { objectMeta } from './meta.js';
import type { ExternalSecretV1 } from './types.js';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The store every environment provides; overlays point at their own. */
export const SECRET_STORE = 'mysqlha';

/**
 * The credentials Secret, materialised by the External Secrets Operator from the secret store: base
 * names where each value lives and never holds one.
 */
export function externalSecret(spec: ClusterSpec): ExternalSecretV1 & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    // Argo CD applies it a wave ahead of the StatefulSet, and waits for it to be healthy (the Secret written).
    metadata: objectMeta(spec, spec.secretName, { [SYNC_WAVE_ANNOTATION]: '-1' }),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
      // Retain: losing the store entry must not delete the credentials running servers depend on.
      target: { name: spec.secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: SECRET_KEYS.map((key) => ({ secretKey: key, remoteRef: { key: `mysqlha/${spec.name}/${key}` } })),
    },
  };
}
