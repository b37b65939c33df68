import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured, type ClusterView } from '@mysqlha/cli';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

const mysqlha = (...args: string[]) => runCaptured(args);

describe('mysqlha status and switchover, from outside the pods (agents at their pod IPs, the fake Kubernetes API)', () => {
  const h = useCluster(14500);
  let kubeconfig: string;
  const flags = () => ['--kubeconfig', kubeconfig, '-n', 'db', '--agents', 'direct'];

  it('status shows each pod’s role, the Lease holder, its GTID position and its agent’s decision, as a table and as JSON', async () => {
    const { c } = h;
    kubeconfig = join(c.servers[0]!.secrets.dir, '..', 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${c.kube.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: admin, user: {token: mysqlha-cli}}]\ncontexts: [{name: fake, context: {cluster: fake, user: admin}}]\ncurrent-context: fake\n`,
    );
    const leader = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    // The agents report what their last cycle saw.
    for (const s of c.servers) await waitFor(`${s.name}'s agent seeing a GTID position`, async () => (await c.status(s.name)).mysql.currentPos !== '', { timeoutMs: 10_000 });
    const json = await mysqlha('status', ...flags(), '--json');
    expect(json.code).toBe(0);
    const view = JSON.parse(json.out) as ClusterView;
    expect(view.leaseHolder).toBe(leader);
    expect(view.warnings).toEqual([]);
    expect(view.pods.map((p) => p.pod)).toEqual(['mysql-0', 'mysql-1', 'mysql-2']);
    for (const p of view.pods) {
      expect(p.role).toBe(p.pod === leader ? 'leader' : 'follower');
      expect(p.holdsLease).toBe(p.pod === leader);
      expect(p.readOnly).toBe(p.pod !== leader);
      expect(p.gtid).toMatch(/^\d+-\d+-\d+/);
      expect(p.decision).toBe((await c.status(p.pod)).decision);
      expect(p.agentError).toBeNull();
    }
    const table = await mysqlha('status', ...flags());
    expect(table.out).toContain(`Lease mysql-leader held by ${leader}`);
    expect(table.out).toMatch(new RegExp(`^${leader} +leader +- +holder +\\d+-\\d+-\\d+ +- +no +I hold the lease`, 'm'));
  });

  it('status says which agent cannot be reached and still shows the rest', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const follower = c.servers.map((s) => s.name).find((n) => n !== leader)!;
    await c.agent(follower).kill9();
    const view = JSON.parse((await mysqlha('status', ...flags(), '--json')).out) as ClusterView;
    const down = view.pods.find((p) => p.pod === follower)!;
    expect(down.agentError).toMatch(new RegExp(`cannot reach the agent of ${follower} at 127\\.0\\.0\\.1:\\d+`));
    expect(down.role, 'its label, from the API').toBe('follower');
    expect(view.pods.find((p) => p.pod === leader)!.agentError).toBeNull();
    await c.agent(follower).start();
    await waitHealthy(c, 30_000);
  });

  it('switchover --to hands the leader over under write load, losing no acknowledged write', async () => {
    const { c } = h;
    const first = await waitHealthy(c);
    const target = c.servers.map((s) => s.name).find((n) => n !== first)!;
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const r = await mysqlha('switchover', ...flags(), '--to', target, '--json');
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ from: first, to: target });
    expect(c.kube.leaseHolder()).toBe(target);
    await c.load.waitForAckAfter(now(), { on: target, timeoutMs: 10_000 });
    await waitFor(`${first} following ${target}`, async () => (await c.status(first)).replication?.source?.includes(String(c.server(target).port)) === true, { timeoutMs: 20_000 });

    const again = await mysqlha('switchover', ...flags());
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(new RegExp(`^switched over from ${target} to mysql-\\d; writes paused \\d+ ms$`, 'm'));
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });

  it('refuses what it cannot do, and says why', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    expect(await mysqlha('switchover', ...flags(), '--to', 'mysql-7')).toMatchObject({ code: 1, err: 'mysqlha switchover: no pod "mysql-7" in cluster mysql (pods: mysql-0, mysql-1, mysql-2)\n' });
    expect(await mysqlha('switchover', ...flags(), '--to', leader)).toMatchObject({ code: 1, err: `mysqlha switchover: ${leader} is already the leader\n` });
    expect(await mysqlha('switchover', ...flags(), '--cluster', 'other')).toMatchObject({ code: 1 });
    expect((await mysqlha('switchover', 'mysql-1')).err).toMatch(/switchover takes no argument "mysql-1"; name the target with --to POD/);
    expect((await mysqlha('status', '--to', 'mysql-1')).err).toMatch(/--to is a flag of switchover/);
    expect((await mysqlha('status', '--agents', 'ssh')).err).toMatch(/--agents must be proxy or direct, got "ssh"/);
    expect((await mysqlha('status', '--bogus')).code).toBe(2);
    expect(c.kube.leaseHolder()).toBe(leader);
  });
});
