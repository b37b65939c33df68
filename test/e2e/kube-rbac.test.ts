import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allTools } from '@mysqlha/kube-tools';
import { KubeCluster, stopAll, waitFor, WritableWatcher } from '@mysqlha/testkit';

const PODS = ['mysql-0', 'mysql-1', 'mysql-2'];
const ROLE = '/apis/rbac.authorization.k8s.io/v1/namespaces/mysqlha-dev/roles/mysql-agent';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * The agents hold no permission beyond the generated Role, enforced by the real RBAC authorizer. Each rule is
 * taken away in turn, the call it allows is provoked, and the test reads what the agents say about it; then the
 * rule is given back and the cluster heals. Losing a permission never leaves two writable servers.
 */
describe.runIf(allTools().ok && process.getuid?.() === 0)('each rule of the agents\' Role, taken away on a real API server', () => {
  let c: KubeCluster;
  let rules: Rule[];
  let watcher: WritableWatcher;
  const lines: string[] = [];
  beforeAll(async () => {
    c = await KubeCluster.start({ portBase: 17720, apiPortBase: 17900, log: (l) => lines.push(l) });
    rules = (await c.get<{ rules: Rule[] }>(ROLE)).rules;
    expect(rules.map(describeRule)).toEqual([
      'get,patch pods mysql-0..mysql-8',
      'list pods',
      'get,update coordination.k8s.io/leases mysql-leader',
      'create coordination.k8s.io/leases',
      'create events',
    ]);
    watcher = new WritableWatcher(c.watched(PODS)).start();
  }, 180_000);
  afterAll(async () => {
    await watcher?.stop();
    await c?.stop();
    await stopAll();
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error([...lines.slice(-40), ...c.node.logLines('agent').slice(-60)].join('\n'))));

  function describeRule(r: Rule): string {
    const group = r.apiGroups[0] ? `${r.apiGroups[0]}/` : '';
    const names = r.resourceNames ? ` ${r.resourceNames.length > 2 ? `${r.resourceNames[0]}..${r.resourceNames.at(-1)}` : r.resourceNames.join(',')}` : '';
    return `${r.verbs.join(',')} ${group}${r.resources.join(',')}${names}`;
  }

  async function setRules(next: Rule[]): Promise<void> {
    const role = await c.get<Record<string, unknown>>(ROLE);
    await c.cp.api.expect('PUT', ROLE, { body: { ...role, rules: next } });
  }

  const healthy = (): Promise<string> => c.waitHealthy(PODS);

  /** The first agent line after `since` that matches, from any pod (deleted ones too). */
  function said(pattern: RegExp, since: string): Promise<string> {
    return waitFor(`an agent to say ${pattern}`, () => c.node.logLines('agent').find((l) => (l.split(' ')[1] ?? '') >= since && pattern.test(l)), { timeoutMs: 60_000, intervalMs: 200 });
  }

  async function without(index: number, provoke: (leader: string) => Promise<void>, pattern: RegExp): Promise<string> {
    const leader = await healthy();
    const since = new Date().toISOString();
    await setRules(rules.filter((_, i) => i !== index));
    try {
      await provoke(leader);
      return await said(pattern, since);
    } finally {
      await setRules(rules);
      await healthy();
      expect(watcher.overlaps, 'never two writable servers').toEqual([]);
    }
  }

  it('without get/patch on its pods: a new leader cannot label itself, says so, and the Service routes nowhere until it can', async () => {
    const line = await without(0, async (leader) => {
      await c.kubectl('delete', 'pod', leader, '--wait=false');
      // Nothing labelled leader: the Service must not route writes anywhere.
      await waitFor('the leader Service to have no endpoint', async () => (await c.serviceEndpoints('mysql-leader')).length === 0, { timeoutMs: 30_000 });
    }, /cannot (patch|get) resource "pods"/);
    expect(line).toMatch(/403/);
  }, 300_000);

  it('without list on pods: each agent keeps its last list of peers and says why; the leader keeps leading', async () => {
    const before = await healthy();
    const line = await without(1, async () => {}, /listing the cluster's pods failed, keeping the last list: .*cannot list resource "pods"/);
    expect(line).toMatch(/403/);
    expect(await c.leaseHolder()).toBe(before);
  }, 300_000);

  it('without get/update on the Lease: the leader cannot renew, says so, and stops being writable', async () => {
    await without(2, async () => {
      await waitFor('no writable server', () => watcher.writableNow().length === 0, { timeoutMs: 20_000 });
    }, /lease renew failed: .*cannot (update|get) resource "leases"/);
  }, 300_000);

  it('without create on Leases: with the Lease deleted nobody can lead; the agents say why', async () => {
    await without(3, async () => {
      await c.cp.api.expect('DELETE', '/apis/coordination.k8s.io/v1/namespaces/mysqlha-dev/leases/mysql-leader');
      await waitFor('no writable server', () => watcher.writableNow().length === 0, { timeoutMs: 20_000 });
    }, /cannot create resource "leases"/);
  }, 300_000);

  it('without create on Events: the failover happens all the same, and the lost event is reported', async () => {
    await without(4, async (leader) => {
      await c.kubectl('delete', 'pod', leader, '--wait=false');
      await waitFor('a new leader', async () => ((await c.leaseHolder()) || leader) !== leader, { timeoutMs: 60_000 });
    }, /event \w+ not recorded: .*cannot create resource "events"/);
  }, 300_000);
});
