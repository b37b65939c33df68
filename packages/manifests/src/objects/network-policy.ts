import { clusterNames, selectorLabels, type ClusterSpec } from '@mysqlha/config';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { objectMeta } from './meta.js';

/**
 * Peers reach each other's server, agent and clone donor; any pod of the namespace reaches the server
 * as a client. Nothing else gets in: the clone donor streams the whole database.
 */
export function networkPolicy(spec: ClusterSpec): INetworkPolicy & { metadata: { name: string; namespace: string } } {
  const pods = { matchLabels: selectorLabels(spec) };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: objectMeta(spec, clusterNames(spec).networkPolicy),
    spec: {
      podSelector: pods,
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: pods }],
          ports: [spec.ports.mysql, spec.ports.agent, spec.ports.clone].map((port) => ({ protocol: 'TCP', port })),
        },
        { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: spec.ports.mysql }] },
      ],
    },
  };
}
