import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('every pod restarted at once (agents against the fake Kubernetes API)', () => {
  // mariadbd stops cleanly, as in a rolling restart gone wrong or a node drain (a kill -9 of every server at
  // once: crash-with-relay-log.test.ts).
  const h = useCluster(14600);

  it('the cluster comes back with one leader, every acknowledged write kept', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    await Promise.all(c.agents.map((a) => a.kill9()));
    await Promise.all(c.servers.map((s) => s.stop()));
    const downAt = now();
    await Promise.all(c.servers.map((s) => s.start()));
    await Promise.all(c.agents.map((a) => a.start()));

    const leader = await waitHealthy(c, 30_000);
    await c.load.waitForAckAfter(downAt, { on: leader, timeoutMs: 30_000 });
    expect(leader, 'the holder of the unexpired Lease kept it').toBe(first);
    await verifyInvariants(c);
  });
});
