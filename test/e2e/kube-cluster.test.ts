import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allTools } from '@mysqlha/kube-tools';
import { KubeCluster, now, stopAll, waitFor, tailFile } from '@mysqlha/testkit';
import { underWriteLoad } from './support/kube-load.js';

const PODS = ['mysql-0', 'mysql-1', 'mysql-2'];

/**
 * The dev overlay as a platform engineer applies it, on a real control plane: the StatefulSet controller creates
 * the pods, the scheduler binds them and their local volumes to the test node, which runs them from their spec
 * (testkit's TestNode); the agents find their peers by listing pods through the API, with only the generated
 * Role's permissions; clients reach the leader through the `mysql-leader` Service's EndpointSlice, which the real
 * controller keeps from the pods' labels and readiness.
 */
describe.runIf(allTools().ok && process.getuid?.() === 0)('the dev overlay on a real control plane, its pods on a test node', () => {
  let c: KubeCluster;
  const lines: string[] = [];
  beforeAll(async () => {
    c = await KubeCluster.start({ portBase: 17700, apiPortBase: 17800, log: (l) => lines.push(`${new Date().toISOString()} ${l}`) });
  }, 180_000);
  afterAll(async () => {
    await c?.stop();
    await stopAll();
  });
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      console.error(lines.slice(-80).join('\n'));
      for (const pod of c?.node.pods() ?? []) for (const container of ['agent', 'mysql']) console.error(`--- ${pod}/${container}\n${tailFile(c.node.pod(pod).logFile(container), 40)}`);
    }),
  );

  const healthy = (timeoutMs?: number): Promise<string> => c.waitHealthy(PODS, timeoutMs);

  it('elects one leader through the API, with no peer list in its config, and the leader Service routes to it', async () => {
    const rendered = readFileSync(join(c.cp.dir, 'overlay', 'rendered.yaml'), 'utf8');
    const agentYaml = /agent\.yaml: \|\n((?: {4}.*\n)+)/.exec(rendered)?.[1];
    expect(agentYaml, 'the ConfigMap carries agent.yaml').toBeDefined();
    expect(parse(agentYaml!.replace(/^ {4}/gm, '')).peerAddresses, 'agents are given no peers: they list pods').toBeUndefined();
    const leader = await healthy();
    expect(PODS).toContain(leader);
    expect(c.node.pods()).toEqual(PODS);
  }, 120_000);

  it('kubectl delete pod of the leader: the Service follows the handover, nothing acknowledged is lost, never two writable', async () => {
    const first = await healthy();
    await underWriteLoad(c, PODS, async (load) => {
      const deletedAt = now();
      await c.kubectl('delete', 'pod', first, '--wait=false');
      const next = await c.waitNewHolder(first);
      await load.waitForAckAfter(deletedAt, { on: next, timeoutMs: 30_000 });
      // The StatefulSet controller recreates the pod; it comes back as a follower of the new leader.
      expect(await healthy(120_000)).toBe(next);
    });
  }, 300_000);

  it('kubectl delete pod of a follower: writes go on, and it returns as a follower with every write', async () => {
    const leader = await healthy();
    const follower = PODS.find((p) => p !== leader)!;
    await underWriteLoad(c, PODS, async (load) => {
      const uid = await c.get<{ metadata: { uid: string } }>(`/api/v1/namespaces/${c.namespace}/pods/${follower}`).then((p) => p.metadata.uid);
      await c.kubectl('delete', 'pod', follower, '--wait=false');
      // Gone: the name is free (404) or already taken by the pod the StatefulSet controller made in its place.
      await waitFor(`${follower} (uid ${uid}) gone`, async () => {
        const res = await c.cp.api.request('GET', `/api/v1/namespaces/${c.namespace}/pods/${follower}`);
        return res.status === 404 || (res.body as { metadata: { uid: string } }).metadata.uid !== uid;
      }, { timeoutMs: 60_000, intervalMs: 20 });
      // Semi-sync still has the other follower: commits go on while the deleted pod is away.
      await load.waitForAckAfter(now(), { on: leader, timeoutMs: 30_000 });
      expect(await healthy(120_000)).toBe(leader);
    });
  }, 300_000);

  for (const mode of ['hang', 'drop'] as const) {
    it(`the leader's path to the API ${mode === 'hang' ? 'black-holed' : 'refused'}: it stops being writable before its Lease can expire; another leads; it rejoins once healed`, async () => {
      const first = await healthy();
      await underWriteLoad(c, PODS, async (load) => {
        const cutAt = now();
        c.node.apiPath(first).set(mode);
        try {
          const next = await c.waitNewHolder(first);
          await load.waitForAckAfter(cutAt, { on: next, timeoutMs: 30_000 });
        } finally {
          c.node.apiPath(first).set('pass');
        }
        await healthy(120_000);
      });
    }, 300_000);
  }
});
