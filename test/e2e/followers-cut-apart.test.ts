import { describe, expect, it } from 'vitest';
import { now, restartExited, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// The two followers cannot reach each other (every packet between their pods is dropped) when the leader's
// mysqld dies. Each would wait for the other for good: neither can know what the other received. Both still
// reach the API, so each publishes its frozen position on its own Pod and the more advanced one leads.
describe('the leader dies while its two followers are cut off from each other', () => {
  const h = useCluster(16700, {}, { network: true });

  it('elects the more advanced follower through the positions both publish in the API; nothing acknowledged is lost', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const [a, b] = c.servers.filter((s) => s.name !== first).map((s) => s.name) as [string, string];
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    await c.network!.cut(a, b);
    const killedAt = now();
    await c.server(first).kill9();
    const next = await c.kube.waitForLeader({ not: first, timeoutMs: 30_000 });
    // Commits wait for a replica's acknowledgement: the kubelet restarts the dead mysqld, which follows the new
    // leader and acknowledges, while the other follower is still cut off from it.
    await restartExited(c);
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    const other = next === a ? b : a;
    // The other one cannot reach the new leader yet and says so rather than guessing.
    await waitFor(`${other} waiting for ${next}`, async () => /position is unknown/.test((await c.status(other)).decision), { timeoutMs: 10_000 });
    // The winner could not reach it: it compared with what the other published. The winner itself publishes only
    // if it waited a cycle first, which depends on which of the two saw the Lease expire first.
    const published = c.kube.store.pods.get(other)?.metadata.annotations?.['mysqlha.io/election-position'];
    expect(published, `${other} published its position`).toBeDefined();

    await c.network!.heal();
    expect(await waitHealthy(c, 60_000)).toBe(next);
    await verifyInvariants(c);
  });
});
