import { describe, expect, it } from 'vitest';
import { healthyLeader, now, restartExited, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// The leader keeps reaching the API (it renews) but not its followers: the network drops every packet between
// its pod and theirs. Its replicas stay "attached" until TCP gives up, so commits just wait for acknowledgements
// that never come. The leader must notice that no replica acknowledges, step down, and let a follower lead.
describe('a leader cut off from its followers but not from the API', () => {
  const h = useCluster(16650, { semiSyncStepDownAfterMs: 3000, recloneDivergedAfterMs: 2000 }, { network: true });

  it('steps down once no replica has acknowledged for semiSyncStepDownAfterMs; a follower leads; nothing acknowledged is lost', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const cutAt = now();
    await c.network!.isolate(first);
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(cutAt, { on: next, timeoutMs: 30_000 });
    expect(Number(await c.server(first).value('SELECT @@read_only')), 'the cut-off ex-leader is read-only').toBe(1);
    const stepDown = c.kube.timeline.leases.find((l) => l.time > cutAt && l.by === first && !l.holder);
    expect(stepDown, 'the ex-leader released the Lease itself rather than renewing it for good').toBeDefined();
    // Still cut off: it cannot follow the new leader, and says so.
    await waitFor(`${first} waiting for ${next}`, async () => /position is unknown|waiting|refusing to replicate/.test((await c.status(first)).decision), { timeoutMs: 10_000 });

    await c.network!.heal();
    // Its commits that were waiting when it stepped down completed on it alone (never acknowledged): it holds
    // transactions of its own the leader lacks, so it re-clones itself; the test plays the kubelet meanwhile.
    const healed = await waitFor('the ex-leader back as a follower', async () => (await restartExited(c), await healthyLeader(c)), { timeoutMs: 120_000, intervalMs: 200 });
    expect(healed).toBe(next);
    await verifyInvariants(c);
  });
});
