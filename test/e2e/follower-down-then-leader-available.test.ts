import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('one follower down, then the leader killed (failoverPolicy available, fake Kubernetes API)', () => {
  const h = useCluster(14400, { failoverPolicy: 'available' });

  it('promotes the most advanced reachable follower and records the risk it took', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const [survivor, missing] = c.servers.filter((s) => s.name !== leader).map((s) => s.name) as [string, string];
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    await c.server(missing).kill9();
    await c.load.waitForAckAfter(now() + 500, { on: leader, timeoutMs: 10_000 });
    const killedAt = now();
    await c.server(leader).kill9();

    const next = await c.kube.waitForLeader({ not: leader, timeoutMs: 30_000 });
    expect(next).toBe(survivor);
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    const promoted = c.kube.timeline.events.find((e) => e.by === survivor && e.reason === 'Promoted' && e.time > killedAt);
    expect(promoted?.type).toBe('Warning');
    expect(promoted?.message).toContain(`promoting without ${missing} (failoverPolicy available)`);

    await c.server(missing).start();
    await c.server(leader).start();
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
