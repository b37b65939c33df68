import { describe, expect, it } from 'vitest';
import { CHECK_SCHEMA, CHECK_TABLE, now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

/**
 * A follower whose SQL thread stopped on an error keeps receiving (and acknowledging) through its IO thread, so
 * it looks as advanced as anyone. Promoting it would RESET SLAVE over a relay log it never applied.
 */
describe('a follower whose SQL thread stopped on an error', () => {
  const h = useCluster(14800);

  it('is never promoted: the healthy follower takes over with every acknowledged write, and the broken one says why', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const followers = c.servers.map((s) => s.name).filter((n) => n !== first).sort();
    // The lower ordinal would win a tie: break that one.
    const broken = followers[0]!;
    const healthy = followers[1]!;
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    // A local row, not binlogged, under an id the load is about to write: the replicated insert then fails 1062.
    const next = (c.load.acked.at(-1)?.id ?? 0) + 200;
    await c.server(broken).query(`SET STATEMENT sql_log_bin = 0 FOR INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} (id, payload) VALUES (?, 'local')`, [next]);
    await waitFor(`${broken}'s SQL thread stopped`, async () => (await c.status(broken)).replication?.sqlRunning === 'No', { timeoutMs: 20_000 });
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await c.load.stop();
    // Both followers have received everything the leader has: a tie on position, which the lower ordinal would win.
    const target = String(await c.server(first).value('SELECT @@global.gtid_binlog_pos'));
    for (const f of followers) await waitFor(`${f} received ${target}`, async () => (await c.status(f)).mysql.receivedPos === target, { timeoutMs: 10_000 });
    expect((await c.status(broken)).mysql.sqlBroken).toMatch(/SQL thread stopped on error 1062/);

    const killedAt = now();
    await c.server(first).kill9();
    const leader = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    expect(leader).toBe(healthy);
    expect(c.kube.timeline.leases.some((l) => l.time > killedAt && l.holder === broken), `${broken} never took the Lease`).toBe(false);
    await c.server(first).start();
    c.load.start();
    await c.load.waitForAckAfter(now(), { on: healthy, timeoutMs: 30_000 });
    await verifyInvariants(c, [broken]);
  });
});
