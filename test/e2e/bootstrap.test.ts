import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@mysqlha/testkit';
import { startCluster, stopAll, verifyInvariants, waitHealthy, type Cluster } from './support/cluster.js';

describe('bootstrap of 3 nodes (agents against the fake Kubernetes API)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(14000);
  });
  afterAll(stopAll);
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(c?.logs())));

  it('elects mysql-0, labels one leader and two followers, and the followers replicate with semi-sync', async () => {
    const leader = await waitHealthy(c);
    expect(leader).toBe('mysql-0');
    expect(c.kube.leaseHolder()).toBe('mysql-0');
    expect(c.kube.podsWithRole('leader')).toEqual(['mysql-0']);
    expect(c.kube.podsWithRole('follower').sort()).toEqual(['mysql-1', 'mysql-2']);

    c.load.start();
    await c.load.waitForAckAfter(Date.now(), { timeoutMs: 10_000 });
    await waitFor('semi-sync source side on at the leader', async () => Number(await c.server('mysql-0').value('SELECT @@rpl_semi_sync_master_enabled')) === 1, { timeoutMs: 10_000 });
    for (const f of ['mysql-1', 'mysql-2']) {
      expect(Number(await c.server(f).value('SELECT @@read_only'))).toBe(1);
      expect(Number(await c.server(f).value('SELECT @@rpl_semi_sync_slave_enabled'))).toBe(1);
      expect(Number(await c.server(f).value('SELECT @@rpl_semi_sync_master_enabled'))).toBe(0);
    }
    const status = await c.status('mysql-1');
    expect(status.leaseHolder).toBe('mysql-0');
    expect(status.decision).toBe('following mysql-0');
    for (const a of c.agents) {
      const base = `http://127.0.0.1:${a.httpPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await waitFor(`${a.name} ready`, async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 10_000 });
    }
    const metrics = await (await fetch(`http://127.0.0.1:${c.agent('mysql-0').metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^mysqlha_role\{role="leader"\} 1$/m);
    expect(metrics).toMatch(/^mysqlha_failovers_total\{kind="election"\} 1$/m);
    expect(metrics).toMatch(/^mysqlha_diverged 0$/m);
    // The decision shown is the last cycle's: the one after the promotion renews.
    const cli = await waitFor('agent status to show a renewing leader', async () => {
      const out = await c.agent('mysql-0').cli(['status']);
      return /^decision: +I hold the lease, renewed/m.test(out.stdout) ? out : undefined;
    }, { timeoutMs: 10_000 });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^role: +leader$/m);
    const reasons = c.kube.timeline.events.map((e) => `${e.by}:${e.reason}`);
    expect(reasons).toContain('mysql-0:Promoted');
    await verifyInvariants(c);
  });
});
