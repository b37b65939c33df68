import { expect } from 'vitest';
import { now, WritableWatcher, type KubeCluster, type WriteLoad } from '@mysqlha/testkit';

/**
 * Runs `body` while an application writes through the leader Service (routed by its EndpointSlice) and the
 * read_only of every server of `pods` and `after` is sampled; then checks what a user would notice: never two
 * writable servers (each server having answered the sampling), never two leader endpoints, and every
 * acknowledged write on every pod of `after` (default `pods`). An error of `body` is the one reported.
 */
export async function underWriteLoad(c: KubeCluster, pods: readonly string[], body: (load: WriteLoad) => Promise<void>, after: readonly string[] = pods): Promise<void> {
  const all = [...new Set([...pods, ...after])];
  const { load, route } = await c.writeLoad();
  const watcher = new WritableWatcher(c.watched(all)).start();
  load.start();
  try {
    await load.waitForAckAfter(now(), { timeoutMs: 20_000 });
    await body(load);
    await load.waitForAckAfter(now(), { timeoutMs: 30_000 });
  } finally {
    await load.stop();
    await watcher.stop();
    await route.stop();
  }
  expect(watcher.overlaps, 'never two writable servers').toEqual([]);
  // Every server was judged: those still there at the end throughout, one that left at least before it left.
  for (const pod of all) expect(watcher.reads.get(pod) ?? 0, `${pod} answered the writable sampling`).toBeGreaterThan(after.includes(pod) ? 10 : 0);
  expect(route.multiple, 'the leader Service never had two ready endpoints').toBe(0);
  await c.waitAllHave(after, load.ackedIds());
}
