import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

/**
 * A query of death: the leader's mysqld crashes, and the new leader's mysqld crashes as soon as it takes the
 * Lease, before it is writable. The restarted holder must not promote below what it recorded in the Lease, and
 * the follower holding the acknowledged tail must not be re-cloned away.
 */
describe('double fault: the leader and then the new holder crash in turn', () => {
  const h = useCluster(14750);

  it('every acknowledged write survives, never two writable, and the cluster heals', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const t0 = now();
    await c.server(first).kill9();
    const second = await c.kube.waitForNewHolder({ after: t0, not: first });
    await c.server(second).kill9();
    await Promise.all([c.server(first).start(), c.server(second).start()]);

    const leader = await waitHealthy(c, 90_000);
    await c.load.waitForAckAfter(now(), { on: leader, timeoutMs: 30_000 });
    for (const pod of [first, second].filter((p) => p !== leader)) expect((await c.status(pod)).diverged, `${pod} diverged`).toBeNull();
    await verifyInvariants(c);
  });
});
