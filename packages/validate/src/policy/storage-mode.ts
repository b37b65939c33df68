import { asArray, asRecord, asString, nameOf, ofKind, type KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding, type Policy } from './types.js';

const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

function hasRequiredNodeAffinity(volume: KubeObject): boolean {
  const required = asRecord(asRecord(asRecord(volume.spec).nodeAffinity).required);
  return asArray(required.nodeSelectorTerms).length > 0;
}

/**
 * Local, pre-created volumes are a dev convenience only: elsewhere a pod's data must survive the
 * loss of its node, which only a dynamically provisioned class can promise. A dev render either brings its
 * local volumes, and then they must fit, or brings none and leaves its claims to the cluster's provisioner
 * (a kind or minikube cluster: overlays/quickstart).
 */
export const storageMode: Policy = {
  id: 'storage-mode',
  needsEnvironment: true,
  check({ objects, environment }) {
    const dev = environment === 'dev';
    const findings: Finding[] = [];
    const classes = ofKind(objects, 'StorageClass');
    const volumes = ofKind(objects, 'PersistentVolume');
    if (!dev) {
      for (const storageClass of classes) {
        if (storageClass.provisioner === NO_PROVISIONER) {
          findings.push(finding('storage-mode', storageClass, ['provisioner'], `${NO_PROVISIONER} is only allowed in dev (this is ${environment})`));
        }
      }
      for (const volume of volumes) {
        if (asRecord(volume.spec).local !== undefined) {
          findings.push(finding('storage-mode', volume, ['spec', 'local'], `local PersistentVolumes are only allowed in dev (this is ${environment})`));
        }
      }
    }
    for (const set of ofKind(objects, 'StatefulSet')) {
      const spec = asRecord(set.spec);
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      asArray(spec.volumeClaimTemplates).forEach((claim, index) => {
        const path = ['spec', 'volumeClaimTemplates', index, 'spec', 'storageClassName'];
        const className = asString(asRecord(asRecord(claim).spec).storageClassName);
        const storageClass = classes.find((candidate) => nameOf(candidate) === className);
        if (!dev) {
          if (className === undefined || className === '') {
            findings.push(finding('storage-mode', set, path, `must name a dynamically provisioned StorageClass in ${environment} (the cluster default is not reviewed)`));
          } else if (storageClass?.provisioner === NO_PROVISIONER) {
            findings.push(finding('storage-mode', set, path, `StorageClass "${className}" has no provisioner: only allowed in dev`));
          }
          return;
        }
        const bringsLocalVolumes = volumes.length > 0 || classes.some((c) => c.provisioner === NO_PROVISIONER);
        if (!bringsLocalVolumes && (!storageClass || storageClass.provisioner !== NO_PROVISIONER)) return;
        if (!storageClass || storageClass.provisioner !== NO_PROVISIONER || storageClass.volumeBindingMode !== 'WaitForFirstConsumer') {
          findings.push(finding('storage-mode', set, path, `in dev the claim must use a StorageClass of the render with provisioner ${NO_PROVISIONER} and volumeBindingMode WaitForFirstConsumer (got ${className ?? 'none'})`));
          return;
        }
        const ofClass = volumes.filter((volume) => asRecord(volume.spec).storageClassName === className);
        for (const volume of ofClass) {
          if (!hasRequiredNodeAffinity(volume)) {
            findings.push(finding('storage-mode', volume, ['spec', 'nodeAffinity', 'required'], 'a local PersistentVolume must be pinned to its node by a required nodeAffinity'));
          }
        }
        const pinned = ofClass.filter(hasRequiredNodeAffinity).length;
        if (pinned < replicas) {
          findings.push(finding('storage-mode', set, ['spec', 'replicas'], `${replicas} replicas need ${replicas} PersistentVolumes of class "${className}" with a required nodeAffinity; the render has ${pinned}`));
        }
      });
    }
    return findings;
  },
};
