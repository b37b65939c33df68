import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('a follower crashes and rejoins (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14200);

  it('writes go on through the other follower, and the crashed one catches up', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const follower = c.servers.find((s) => s.name !== leader)!.name;
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const crashedAt = now();
    await Promise.all([c.server(follower).kill9(), c.agent(follower).kill9()]);
    await c.load.waitForAckAfter(crashedAt + 1000, { on: leader, timeoutMs: 10_000 });
    expect(c.kube.leader()).toBe(leader);

    await c.server(follower).start();
    await c.agent(follower).start();
    await waitHealthy(c, 30_000);
    const status = await c.status(follower);
    expect(status.role).toBe('follower');
    expect(status.leaseHolder).toBe(leader);
    await verifyInvariants(c);
  });
});
