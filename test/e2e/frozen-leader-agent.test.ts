import { describe, expect, it } from 'vitest';
import { now, waitFor, WriteLoad } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

/**
 * The agent is the fence, so a frozen (SIGSTOP, a stalled node) or killed (OOM) agent fences nothing: the dead-man
 * switch inside mariadbd must. A pooled client keeps a direct connection to the leader's server throughout, as
 * applications do, besides the write load that follows the leader label.
 */
describe("the leader's agent frozen or killed while its mysqld keeps running", () => {
  const h = useCluster(14650, { recloneDivergedAfterMs: 1000 });

  it('SIGSTOP: its server turns read-only by itself, a follower takes over, and after SIGCONT it follows; never two writable, nothing acknowledged lost', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const pooled = new WriteLoad({ kube: c.kube, servers: c.servers, pinTo: first, firstId: Date.now() * 1000 + 500_000_000 });
    c.load.start();
    pooled.start();
    await pooled.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const frozenAt = now();
    c.agent(first).pause();
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(frozenAt, { on: next, timeoutMs: 30_000 });
    // Nobody told it: its own server fenced itself while its agent was frozen.
    expect(Number(await c.server(first).value('SELECT @@global.read_only'))).toBe(1);
    const lastPooledAck = pooled.acked.at(-1)?.at ?? 0;
    expect(lastPooledAck, 'no write acknowledged on the frozen leader after the new one took over').toBeLessThan(c.kube.timeline.leases.find((l) => l.time > frozenAt && l.holder === next)?.time ?? Infinity);

    c.agent(first).resume();
    await waitHealthy(c, 90_000);
    const status = await c.status(first);
    expect(status.role).toBe('follower');
    expect(status.mysql.readOnly, '/status agrees with the server').toBe(true);
    await verifyInvariants(c, [], [pooled]);
  });
});

describe("the leader's agent killed while its mysqld keeps running", () => {
  const h = useCluster(14700, { recloneDivergedAfterMs: 1000 });

  it('kill -9 of the agent alone: its server turns read-only by itself and a follower takes over; the restarted agent follows', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const pooled = new WriteLoad({ kube: c.kube, servers: c.servers, pinTo: first, firstId: Date.now() * 1000 + 600_000_000 });
    c.load.start();
    pooled.start();
    await pooled.waitForAckAfter(now(), { timeoutMs: 10_000 });

    const killedAt = now();
    await c.agent(first).kill9();
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    await waitFor(`${first} read-only with no agent`, async () => Number(await c.server(first).value('SELECT @@global.read_only')) === 1, { timeoutMs: 5_000, intervalMs: 50 });

    await c.agent(first).start();
    await waitHealthy(c, 90_000);
    expect((await c.status(first)).role).toBe('follower');
    await verifyInvariants(c, [], [pooled]);
  });
});
