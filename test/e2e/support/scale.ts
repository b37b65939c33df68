import { randomUUID } from 'node:crypto';
import type { FakeKube } from '@mysqlha/testkit';

/**
 * Pods that a StatefulSet scale-up creates later: taken out of the fake API now (their bearer tokens stay, as a
 * ServiceAccount's would), and put back by `create` with a new uid, creation time and the next cluster-wide
 * resourceVersion, as the StatefulSet controller creates a pod.
 */
export function withholdPods(kube: FakeKube, names: string[]): { create(name: string): void } {
  const pending = new Map<string, Record<string, any>>();
  for (const name of names) {
    const pod = kube.store.pods.get(name);
    if (!pod) throw new Error(`withholdPods: the fake API has no pod ${name}; start it with every pod the scale-up will create`);
    kube.store.pods.delete(name);
    pending.set(name, pod);
  }
  return {
    create(name: string): void {
      const pod = pending.get(name);
      if (!pod) throw new Error(`withholdPods: ${name} was not withheld or was already created`);
      pending.delete(name);
      pod.metadata = { ...pod.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
      kube.store.pods.set(name, pod);
      // An empty merge patch changes nothing but stamps the pod with the next resourceVersion.
      kube.store.patchPod(name, {}, 'statefulset-controller');
    },
  };
}
