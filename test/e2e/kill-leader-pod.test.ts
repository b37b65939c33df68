import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('kill -9 of the leader mysqld and its agent together (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14100);

  it('the Lease expires, a follower is elected, and the restarted pod rejoins', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const killedAt = now();
    await Promise.all([c.agent(first).kill9(), c.server(first).kill9()]);
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    const takeover = c.kube.timeline.leases.find((l) => l.time > killedAt && l.holder === next);
    expect(takeover, 'the new holder took the Lease').toBeDefined();
    expect(c.kube.timeline.leases.some((l) => l.time > killedAt && l.by === first), 'the dead pod wrote nothing').toBe(false);
    await waitFor(`${next} renewing`, async () => (await c.status(next)).decision === 'I hold the lease, renewed', { timeoutMs: 10_000 });

    await c.server(first).start();
    await c.agent(first).start();
    await waitHealthy(c, 30_000);
    expect((await c.status(first)).role).toBe('follower');
    await verifyInvariants(c);
  });
});
