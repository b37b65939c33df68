import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('kill -9 of the leader mysqld (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14050);

  it('a follower takes over without waiting for the Lease to expire, and the ex-leader rejoins as a follower', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const killedAt = now();
    await c.server(first).kill9();
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    const released = c.kube.timeline.leases.find((l) => l.time > killedAt && l.by === first && !l.holder);
    expect(released, 'the dead leader released the Lease instead of letting it expire').toBeDefined();
    expect(c.kube.timeline.events.some((e) => e.by === next && e.reason === 'Promoted')).toBe(true);

    // As the kubelet would restart the mysql container: read-only, then the agent makes it follow.
    await c.server(first).start();
    await waitHealthy(c, 30_000);
    const status = await c.status(first);
    expect(status.role).toBe('follower');
    expect(status.leaseHolder).toBe(next);
    expect(status.diverged).toBeNull();
    await verifyInvariants(c);
  });
});
