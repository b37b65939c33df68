import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube } from '@mysqlha/agent';
import { startFakeKube, stopAll, type FakeKube } from '@mysqlha/testkit';

// The fake API on 16790. No mariadbd here: only the agent's own discovery call against an API server.
describe('peer discovery from the API', () => {
  let api: FakeKube;
  beforeAll(async () => {
    api = await startFakeKube({ port: 16790, namespace: 'db', pods: ['mysql-0', 'mysql-1', 'mysql-2'] });
  });
  afterAll(stopAll);

  const kubeFor = (pod: string) =>
    new Kube({ namespace: 'db', leaseName: 'mysql-leader', leaseDurationMs: 4000, timeoutMs: 2000, kubeApiUrl: api.url, kubeTokenFile: api.tokenFile(pod), podName: pod });

  it('counts only pods of the StatefulSet, not a pod that merely carries its labels', async () => {
    const real = api.store.pods.get('mysql-2')!;
    // Anyone allowed to create pods in the namespace can copy the labels; only the controller sets the owner.
    api.store.pods.set('impostor', { ...structuredClone(real), metadata: { ...structuredClone(real.metadata), name: 'impostor', ownerReferences: [] } });
    api.store.pods.set('mysql-9', {
      ...structuredClone(real),
      metadata: { ...structuredClone(real.metadata), name: 'mysql-9', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'other', uid: 'x', controller: true }] },
    });
    expect((await kubeFor('mysql-0').listPods('mysql')).sort()).toEqual(['mysql-0', 'mysql-1', 'mysql-2']);
  });
});
