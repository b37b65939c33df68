import { describe, expect, it } from 'vitest';
import { now, sleep, waitFor } from '@mysqlha/testkit';
import { metric, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('one follower down, then the leader killed (failoverPolicy safe, fake Kubernetes API)', () => {
  const h = useCluster(14350);

  it('does not promote while the missing follower may hold the only copy of an acknowledged write, and says which pod it waits for', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const [waiting, missing] = c.servers.filter((s) => s.name !== leader).map((s) => s.name) as [string, string];
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    await c.server(missing).kill9();
    await c.load.waitForAckAfter(now() + 500, { on: leader, timeoutMs: 10_000 });
    await c.server(leader).kill9();

    await waitFor(`${waiting} waiting for ${missing}`, async () => (await c.status(waiting)).waitingFor.includes(missing), { timeoutMs: 15_000 });
    const status = await c.status(waiting);
    expect(status.decision).toContain(`cannot see ${missing}, waiting: an acknowledged write may be only there`);
    expect(await metric(c.agent(waiting), 'mysqlha_election_blocked')).toBe(1);
    expect(c.kube.timeline.events.some((e) => e.by === waiting && e.reason === 'ElectionBlocked' && (e.message ?? '').includes(missing))).toBe(true);
    await sleep(3000);
    expect(c.kube.leaseHolder(), 'nobody took the Lease').toBeUndefined();
    expect(Number(await c.server(waiting).value('SELECT @@read_only'))).toBe(1);

    await c.server(missing).start();
    const next = await c.kube.waitForLeader({ not: leader, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(now(), { on: next, timeoutMs: 30_000 });
    await c.server(leader).start();
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
