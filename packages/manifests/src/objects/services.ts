import { ROLE_LABEL, selectorLabels, type ClusterSpec, type Role } from '@mysqlha/config';
import type { IService } from 'kubernetes-models/v1/Service';
import { objectMeta } from './meta.js';

/** Stable per-pod DNS for peers and replication, including pods that are not ready yet. */
export function headlessService(spec: ClusterSpec): IService & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(spec, spec.services.headless),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(spec),
      ports: [
        { name: 'mysql', port: spec.ports.mysql, targetPort: 'mysql', protocol: 'TCP' },
        { name: 'agent', port: spec.ports.agent, targetPort: 'agent', protocol: 'TCP' },
        { name: 'clone', port: spec.ports.clone, targetPort: 'clone', protocol: 'TCP' },
      ],
    },
  };
}

/** The write (`leader`) or read (`follower`) endpoint: the agents set the `role` label it selects on. */
export function roleService(spec: ClusterSpec, role: Role): IService & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(spec, role === 'leader' ? spec.services.leader : spec.services.follower),
    spec: {
      type: 'ClusterIP',
      selector: { ...selectorLabels(spec), [ROLE_LABEL]: role },
      ports: [{ name: 'mysql', port: spec.ports.mysql, targetPort: 'mysql', protocol: 'TCP' }],
    },
  };
}
