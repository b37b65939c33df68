import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('planned switchover (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14300);

  it('`agent switchover --to` hands the leader role over; the old leader follows the new one', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const target = first === 'mysql-1' ? 'mysql-2' : 'mysql-1';
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const follower = c.agents.find((a) => a.name !== first)!;
    const refused = await follower.cli(['switchover', '--to', first]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/is not the leader/);
    const unknown = await c.agent(first).cli(['switchover', '--to', 'mysql-9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/mysql-9 is not a peer/);

    const startedAt = now();
    const r = await c.agent(first).cli(['switchover', '--to', target]);
    expect(r.stdout).toMatch(new RegExp(`switched over from ${first} to ${target}`));
    expect(r.code).toBe(0);
    expect(c.kube.leaseHolder()).toBe(target);
    await c.load.waitForAckAfter(startedAt, { on: target, timeoutMs: 10_000 });
    console.log(`switchover write gap: ${Math.round(c.load.longestGap(startedAt, now()))} ms`);
    await waitHealthy(c, 30_000);
    expect((await c.status(first)).role).toBe('follower');
    expect(c.kube.timeline.events.some((e) => e.by === first && e.reason === 'SwitchoverCompleted')).toBe(true);
    await verifyInvariants(c);
  });

  it('SIGTERM on the leader hands over before the agent exits (as when the pod is deleted)', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const stoppedAt = now();
    await c.agent(leader).stop();
    const next = c.kube.leaseHolder();
    expect(next).toBeDefined();
    expect(next).not.toBe(leader);
    expect(Number(await c.server(leader).value('SELECT @@read_only'))).toBe(1);
    await c.load.waitForAckAfter(stoppedAt, { on: next!, timeoutMs: 10_000 });
    await c.agent(leader).start();
    await waitFor(`${leader} following ${next}`, async () => (await c.status(leader)).role === 'follower', { timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
