import { clusterNames, selectorLabels, type ClusterSpec } from '@mysqlha/config';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { objectMeta } from './meta.js';

/** Drains take one pod at a time, so a voluntary disruption never costs the semi-sync quorum. */
export function podDisruptionBudget(spec: ClusterSpec): IPodDisruptionBudget & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(spec, clusterNames(spec).podDisruptionBudget),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(spec) } },
  };
}
