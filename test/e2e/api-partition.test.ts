import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { cutFromApi, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe("the leader's agent cut off from the fake Kubernetes API", () => {
  const h = useCluster(14150);

  it('demotes itself before its Lease can expire; a new leader is elected; never two writable', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const { readOnlyAt, next, takenAt } = await cutFromApi(c, first);
    expect(readOnlyAt, 'the old leader was read-only before the new one took the Lease').toBeLessThan(takenAt);
    await c.load.waitForAckAfter(takenAt, { on: next, timeoutMs: 30_000 });
    expect((await c.status(first)).decision).toMatch(/cannot reach the API|could not renew/);

    // The old leader's label is stale while it is cut off; routing was fenced by the new holder.
    c.kube.heal(first);
    await waitHealthy(c, 30_000);
    expect((await c.status(first)).role).toBe('follower');
    await verifyInvariants(c);
  });
});
