import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allTools } from '@mysqlha/kube-tools';
import { KubeCluster, stopAll, waitFor } from '@mysqlha/testkit';
import { underWriteLoad } from './support/kube-load.js';

const THREE = ['mysql-0', 'mysql-1', 'mysql-2'];
const FOUR = [...THREE, 'mysql-3'];

/**
 * Day-2 operations as a platform engineer runs them with kubectl against the dev overlay on a real control plane
 * (the StatefulSet controller does the work), each under write load through the leader Service.
 */
describe.runIf(allTools().ok && process.getuid?.() === 0)('kubectl scale and rollout restart on a real control plane', () => {
  let c: KubeCluster;
  const lines: string[] = [];
  beforeAll(async () => {
    c = await KubeCluster.start({ portBase: 17740, apiPortBase: 17900, volumes: 4, log: (l) => lines.push(l) });
  }, 180_000);
  afterAll(async () => {
    await c?.stop();
    await stopAll();
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error([...lines.slice(-40), ...c.node.logLines('agent').slice(-80)].join('\n'))));

  const uids = async (): Promise<Record<string, string>> => {
    const pods = await c.get<{ items: { metadata: { name: string; uid: string } }[] }>(`/api/v1/namespaces/${c.namespace}/pods`);
    return Object.fromEntries(pods.items.map((p) => [p.metadata.name, p.metadata.uid]));
  };

  it('scale to 4: the new pod clones a peer and follows; back to 3: it leaves, and nothing acknowledged is lost', async () => {
    await c.waitHealthy(THREE);
    await underWriteLoad(c, THREE, async () => {
      await c.kubectl('scale', 'statefulset', 'mysql', '--replicas=4');
      await c.waitHealthy(FOUR, 180_000);
    }, FOUR);
    const cloneLog = c.node.logLines('clone').filter((l) => l.startsWith('mysql-3:'));
    expect(cloneLog.join('\n'), 'mysql-3 was seeded from a peer').toMatch(/clone: copied \d+ bytes from mysql-[0-2]/);

    await underWriteLoad(c, FOUR, async () => {
      await c.kubectl('scale', 'statefulset', 'mysql', '--replicas=3');
      await waitFor('mysql-3 gone', async () => !(await uids())['mysql-3'], { timeoutMs: 120_000, intervalMs: 250 });
      await c.waitHealthy(THREE, 120_000);
    }, THREE);
  }, 600_000);

  it('rollout restart: every pod replaced in turn, never two writable, nothing lost', async () => {
    await c.waitHealthy(THREE);
    const before = await uids();
    await underWriteLoad(c, THREE, async () => {
      await c.kubectl('rollout', 'restart', 'statefulset', 'mysql');
      await c.kubectl('rollout', 'status', 'statefulset', 'mysql', '--timeout=300s');
      await c.waitHealthy(THREE, 120_000);
    });
    const after = await uids();
    for (const pod of THREE) expect(after[pod], `${pod} was replaced`).not.toBe(before[pod]);
  }, 600_000);
});
