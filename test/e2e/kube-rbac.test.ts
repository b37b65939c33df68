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

  /**
   * Takes rule `index` away, provokes the call it allows (`provoke` returns what the agent that makes the call must
   * say), checks what holds without it (`meanwhile`), then gives the rule back and waits for a healthy cluster.
   */
  async function without(index: number, provoke: (leader: string) => Promise<RegExp>, meanwhile: () => Promise<void> = async () => {}): Promise<string> {
    const leader = await healthy();
    const since = new Date().toISOString();
    await setRules(rules.filter((_, i) => i !== index));
    try {
      const line = await said(await provoke(leader), since);
      await meanwhile();
      return line;
    } finally {
      await setRules(rules);
      await healthy();
      expect(watcher.overlaps, 'never two writable servers').toEqual([]);
    }
  }

  /** `check` holds at each of 10 looks over 2 s (not just once, as a sample that happened to fail would). */
  async function holds(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 10; i++) {
      expect(await check(), `${what} (look ${i + 1} of 10)`).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Every server answers, read-only: asked directly, not through the watcher's samples. */
  async function noneWritable(): Promise<boolean> {
    for (const pod of PODS) {
      const conn = await c.openOn(c.node.pod(pod).podIp, 2_000);
      try {
        const [rows] = await conn.query('SELECT @@global.read_only AS ro');
        if (Number((rows as { ro: number }[])[0]?.ro) !== 1) return false;
      } finally {
        conn.destroy();
      }
    }
    return true;
  }

  it('without get/patch on its pods: a new leader cannot label itself, says so, and the Service routes nowhere until it can', async () => {
    let holder = '';
    const line = await without(
      0,
      async (leader) => {
        await c.kubectl('delete', 'pod', leader, '--wait=false');
        holder = await c.waitNewHolder(leader);
        return new RegExp(`^${holder}: .*cannot patch resource "pods"`);
      },
      () =>
        holds(`${holder} holds the Lease unlabelled and the leader Service routes nowhere`, async () => {
          const roles = await c.roles();
          return (await c.leaseHolder()) === holder && roles[holder] !== 'leader' && (await c.serviceEndpoints('mysql-leader')).length === 0;
        }),
    );
    expect(line).toMatch(/403/);
  }, 300_000);

  it('without list on pods: each agent keeps its last list of peers and says why; the leader keeps leading', async () => {
    const before = await healthy();
    const line = await without(
      1,
      async () => /listing the cluster's pods failed, keeping the last list: .*cannot list resource "pods"/,
      () => holds(`${before} keeps the Lease and the leader Service`, async () => (await c.leaseHolder()) === before && (await c.serviceEndpoints('mysql-leader'))[0]?.pod === before),
    );
    expect(line).toMatch(/403/);
  }, 300_000);

  it('without get/update on the Lease: the leader cannot renew, says so, and stops being writable', async () => {
    await without(
      2,
      async (leader) => new RegExp(`^${leader}: .*lease renew failed: .*cannot (update|get) resource "leases"`),
      async () => {
        await waitFor('no writable server', noneWritable, { timeoutMs: 20_000 });
        await holds('no writable server', noneWritable);
      },
    );
  }, 300_000);

  it('without create on Leases: with the Lease deleted nobody can lead; the agents say why', async () => {
    await without(
      3,
      async () => {
        await c.cp.api.expect('DELETE', '/apis/coordination.k8s.io/v1/namespaces/mysqlha-dev/leases/mysql-leader');
        return /cannot create resource "leases"/;
      },
      async () => {
        await waitFor('no writable server', noneWritable, { timeoutMs: 20_000 });
        await holds('no writable server, and no Lease', async () => (await noneWritable()) && (await c.cp.api.request('GET', '/apis/coordination.k8s.io/v1/namespaces/mysqlha-dev/leases/mysql-leader')).status === 404);
      },
    );
  }, 300_000);

  it('without create on Events: the failover happens all the same, and the lost event is reported', async () => {
    await without(4, async (leader) => {
      await c.kubectl('delete', 'pod', leader, '--wait=false');
      await c.waitNewHolder(leader);
      return /event \w+ not recorded: .*cannot create resource "events"/;
    });
  }, 300_000);
});
