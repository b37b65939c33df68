import { describe, expect, it } from 'vitest';
import { PEER_HEADER, PeerAuth } from '@mysqlha/agent';
import { now } from '@mysqlha/testkit';
import { cutFromApi, metric, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

async function post(port: number, path: string, header?: string): Promise<number> {
  const headers = header ? { [PEER_HEADER]: header } : undefined;
  return (await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', signal: AbortSignal.timeout(15_000), ...(headers ? { headers } : {}) })).status;
}

/**
 * Only a peer holding the cluster's Secret may steer an agent's loop, and not even a peer can delay the fence:
 * /wait-applied once held SET GLOBAL read_only back for its whole timeout by sharing the fence's session.
 */
describe('forged peer calls, then an API partition of the leader', () => {
  const h = useCluster(14900);

  it('refuses unsigned, badly signed and stale calls', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const port = c.agent(first).httpPort;
    const stranger = new PeerAuth(c.servers[0]!.secrets.dir, 'mysql-1');
    const before = (await metric(c.agent(first), 'mysqlha_refused_peer_calls_total')) ?? 0;
    for (const path of ['/cycle', '/lease-renewed', '/freeze', '/wait-applied?gtid=0-1-1&timeoutMs=100', '/switchover?from=mysql-0&to=mysql-1']) {
      expect(await post(port, path), `unsigned ${path}`).toBe(401);
      const good = stranger.sign('POST', path);
      expect(await post(port, path, good.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'))), `bad signature on ${path}`).toBe(401);
      expect(await post(port, path, stranger.sign('POST', path, Date.now() - 60_000)), `a minute-old signature on ${path}`).toBe(401);
      expect(await post(port, path, stranger.sign('POST', '/status')), `a signature for another path used on ${path}`).toBe(401);
    }
    expect(((await metric(c.agent(first), 'mysqlha_refused_peer_calls_total')) ?? 0) - before).toBe(20);
  });

  it('a signed switchover runs once, and only on the leader it names: a captured request replayed anywhere is refused', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const [target, other] = c.servers.map((s) => s.name).filter((n) => n !== first) as [string, string];
    const key = new PeerAuth(c.servers[0]!.secrets.dir, 'mysqlha-cli');
    const path = `/switchover?from=${first}&to=${target}`;
    const header = key.sign('POST', path);
    const misdirected = `/switchover?from=${other}&to=${target}`;
    expect(await post(c.agent(first).httpPort, misdirected, key.sign('POST', misdirected)), 'meant for another pod').toBe(409);
    expect(c.kube.leaseHolder()).toBe(first);
    expect(await post(c.agent(first).httpPort, path, header)).toBe(200);
    expect(c.kube.leaseHolder()).toBe(target);
    // The same bytes again, within the window the signature is valid in: at the new leader.
    expect(await post(c.agent(target).httpPort, path, header), 'replayed at the new leader').toBe(409);
    expect(c.kube.leaseHolder()).toBe(target);
    // Back to the first pod with a request of its own once it follows; the first request replayed there now names
    // the leader, still within its window.
    await waitHealthy(c, 10_000);
    const back = `/switchover?from=${target}&to=${first}`;
    expect(await post(c.agent(target).httpPort, back, key.sign('POST', back))).toBe(200);
    expect(c.kube.leaseHolder()).toBe(first);
    // Healthy again, so that only the spent signature can stop a switchover now.
    await waitHealthy(c, 10_000);
    expect(await post(c.agent(first).httpPort, path, header), 'replayed at the leader it names').toBe(409);
    expect(c.kube.leaseHolder()).toBe(first);
    await waitHealthy(c, 30_000);
  });

  it('signed /wait-applied is refused by the leader and runs one at a time elsewhere; the cut-off leader is read-only before anyone takes the Lease', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const follower = c.servers.map((s) => s.name).find((n) => n !== first)!;
    // An insider: a call signed with the cluster key, as a compromised peer could send.
    const peer = new PeerAuth(c.servers[0]!.secrets.dir, follower);
    const never = '0-1-999999999';
    const signed = (port: number, path: string) => post(port, path, peer.sign('POST', path));

    expect(await signed(c.agent(first).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`)).toBe(409);
    const held = signed(c.agent(follower).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await signed(c.agent(follower).httpPort, `/wait-applied?gtid=${never}&timeoutMs=10000`)).toBe(429);
    // Signed renew notices and /cycle calls by the dozen at the same time.
    const storm = Array.from({ length: 50 }, (_, i) => signed(c.agent(i % 2 ? follower : first).httpPort, i % 3 ? `/lease-renewed?holder=${first}&rv=forged` : '/cycle').catch(() => 0));

    const { readOnlyAt, takenAt } = await cutFromApi(c, first);
    expect(readOnlyAt, 'the old leader was read-only before the new one took the Lease').toBeLessThan(takenAt);
    await Promise.all([held, ...storm]);

    c.kube.heal(first);
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
