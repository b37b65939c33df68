import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

/** An operator deletes or empties the Lease by hand while the leader is writable. */
describe('a Lease deleted or emptied by hand', () => {
  const h = useCluster(14850);

  it('deleted: nobody promotes while the old leader may be writable; a leader returns; nothing acknowledged lost', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const t0 = now();
    c.kube.deleteLease();
    await waitFor('a leader writing again after the Lease was deleted', () => c.load.firstAckAfter(t0 + 1000), { timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    expect(c.watcher.overlaps).toEqual([]);
    expect(first).toBeTruthy();
  });

  it('emptied (holder removed, no release recorded): the same', async () => {
    const { c } = h;
    await waitHealthy(c);
    const t0 = now();
    c.kube.editLease((lease) => {
      delete lease.spec.holderIdentity;
      lease.metadata.annotations = {};
    });
    await waitFor('a leader writing again after the Lease was emptied', () => c.load.firstAckAfter(t0 + 1000), { timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
