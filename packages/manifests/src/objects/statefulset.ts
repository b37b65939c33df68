import { clusterNames, commonLabels, selectorLabels, stableLabels, TLS_FILES, type ClusterSpec } from '@mysqlha/config';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { containers, initContainers, RUN_AS, VOLUMES } from './containers.js';
import { objectMeta } from './meta.js';

export const STORAGE_MODE_ANNOTATION = 'mysqlha.io/storage-mode';

/** Time for a leader's preStop switchover: the target catches up, then the Lease changes hands. */
export function terminationGracePeriodSeconds(spec: ClusterSpec): number {
  return Math.max(120, Math.ceil((2 * spec.ha.leaseDurationMs + spec.ha.semiSyncTimeoutMs) / 1000) + 60);
}

function volumes(spec: ClusterSpec): IVolume[] {
  return [
    { name: VOLUMES.config, configMap: { name: clusterNames(spec).configMap } },
    { name: VOLUMES.secrets, secret: { secretName: spec.secretName, defaultMode: 0o440 } },
    { name: VOLUMES.tls, secret: { secretName: clusterNames(spec).tlsSecret, defaultMode: 0o440 } },
    { name: VOLUMES.tlsCa, secret: { secretName: clusterNames(spec).tlsSecret, defaultMode: 0o440, items: [{ key: TLS_FILES.ca, path: TLS_FILES.ca }] } },
    { name: VOLUMES.run, emptyDir: {} },
    // What the kubelet would mount everywhere by default: a bound, expiring, auto-rotated token, the cluster CA
    // and the namespace.
    {
      name: VOLUMES.apiAccess,
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    { name: VOLUMES.logs, emptyDir: {} },
    { name: VOLUMES.tmp, emptyDir: {} },
  ];
}

export function statefulSet(spec: ClusterSpec): IStatefulSet & { metadata: { name: string; namespace: string } } {
  const names = clusterNames(spec);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: objectMeta(spec, names.statefulSet, { [STORAGE_MODE_ANNOTATION]: spec.storage.mode }),
    spec: {
      serviceName: spec.services.headless,
      replicas: spec.replicas,
      // Parallel: after a full outage every pod must come back at once, because a pod that waits to
      // see its peers' positions before promoting would never see peers that OrderedReady holds back
      // until it is ready. `agent init` keeps bootstrap safe: only ordinal 0, only when no peer has data.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: selectorLabels(spec) },
      template: {
        metadata: { labels: commonLabels(spec) },
        spec: {
          serviceAccountName: names.serviceAccount,
          // mariadbd and the slow log never call the API; the agent's containers mount the token themselves.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGracePeriodSeconds(spec),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          initContainers: initContainers(spec),
          containers: containers(spec),
          volumes: volumes(spec),
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: VOLUMES.data, labels: stableLabels(spec) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(spec.storage.className ? { storageClassName: spec.storage.className } : {}),
            resources: { requests: { storage: spec.storage.size } },
          },
        },
      ],
    },
  };
}
