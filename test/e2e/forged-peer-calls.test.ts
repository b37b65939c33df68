import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { cutFromApi, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

async function post(port: number, path: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', signal: AbortSignal.timeout(15_000) })).status;
}

/**
 * Peer calls a stranger can send must not delay the fence: /wait-applied once held SET GLOBAL read_only back for
 * its whole timeout by sharing the fence's session.
 */
describe('forged peer calls, then an API partition of the leader', () => {
  const h = useCluster(14900);

  it('/wait-applied is refused by the leader and runs one at a time elsewhere; the cut-off leader is read-only before anyone takes the Lease', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const follower = c.servers.map((s) => s.name).find((n) => n !== first)!;
    const never = '0-1-999999999';

    expect(await post(c.agent(first).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`)).toBe(409);
    const held = post(c.agent(follower).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await post(c.agent(follower).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`)).toBe(429);
    // Forged renew notices and a storm of /cycle calls at the same time.
    const storm = Array.from({ length: 50 }, () => post(c.agent(follower).httpPort, `/lease-renewed?holder=${first}&rv=forged`).catch(() => 0));

    const { readOnlyAt, takenAt } = await cutFromApi(c, first);
    expect(readOnlyAt, 'the old leader was read-only before the new one took the Lease').toBeLessThan(takenAt);
    await Promise.all([held, ...storm]);

    c.kube.heal(first);
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
