import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// The StatefulSet was scaled to four, and mysql-3 never started (Pending: no node, no volume). It never replicated
// from the leader, so it cannot hold a write the leader acknowledged; the Lease's record of members (the pods that
// were up when the leader took over, or replicated from it since) does not name it. When the leader's mysqld then
// dies, the election must not wait for it under failoverPolicy safe.
const BASE = 16750;
const peer = (n: number) => ({ host: '127.0.0.1', mysqlPort: BASE + n, httpPort: BASE + 10 + n, clonePort: BASE + 20 + n });
const peerAddresses = Object.fromEntries([0, 1, 2, 3].map((n) => [`mysql-${n}`, peer(n)]));

describe('a member that never started (Pending) when the leader dies', () => {
  const h = useCluster(BASE, { peerAddresses });

  it('does not block the election (a recorded member that is down does: follower-down-then-leader.test.ts)', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    // Recorded at the leader's next renew.
    const members = await waitFor('the leader to record its members in the Lease', () => c.kube.store.leases.get(c.kube.leaseName)?.metadata.annotations?.['mysqlha.io/members'], { timeoutMs: 10_000 });
    expect(members.split(',').sort()).toEqual(c.servers.map((s) => s.name).filter((n) => n !== first).sort());

    const killedAt = now();
    await c.server(first).kill9();
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    expect((await c.status(next)).decision).toMatch(/promot|lead|renewed/);
    await c.server(first).start();
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
