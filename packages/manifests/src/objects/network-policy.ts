import { clusterNames, selectorLabels, type ClusterSpec } from '@mysqlha/config';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { objectMeta } from './meta.js';

/** A namespace with this label may reach the servers of every mysqlha cluster as a client. */
export const CLIENT_NAMESPACE_LABEL = 'mysqlha.io/client';
/** A namespace with this label (where Prometheus runs) may reach the agents' metrics port. */
export const MONITORING_NAMESPACE_LABEL = 'mysqlha.io/monitoring';

/**
 * Peers alone reach each other's agent (the control port) and clone donor; the server is reachable by peers, by
 * any pod of the namespace and by namespaces labelled as clients; the metrics port by namespaces labelled for
 * monitoring. Nothing else gets in: the clone donor streams the whole database, and the control port steers HA.
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
        {
          from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [CLIENT_NAMESPACE_LABEL]: 'true' } } }],
          ports: [{ protocol: 'TCP', port: spec.ports.mysql }],
        },
        { from: [{ namespaceSelector: { matchLabels: { [MONITORING_NAMESPACE_LABEL]: 'true' } } }], ports: [{ protocol: 'TCP', port: spec.ports.metrics }] },
      ],
    },
  };
}
