import { expect } from 'vitest';
import { now, WritableWatcher, type KubeCluster, type WriteLoad } from '@mysqlha/testkit';

/**
 * Runs `body` while an application writes through the leader Service (routed by its EndpointSlice) and every
 * server's read_only is sampled; then checks what a user would notice: never two writable servers, never two
 * leader endpoints, and every acknowledged write on every pod of `after` (default `pods`).
 */
export async function underWriteLoad(c: KubeCluster, pods: readonly string[], body: (load: WriteLoad) => Promise<void>, after: readonly string[] = pods): Promise<{ acked: number; from: string }> {
  const { load, route } = await c.writeLoad();
  const watcher = new WritableWatcher(c.watched(pods)).start();
  load.start();
  try {
    const first = await load.waitForAckAfter(now(), { timeoutMs: 20_000 });
    await body(load);
    await load.waitForAckAfter(now(), { timeoutMs: 30_000 });
    return { acked: load.acked.length, from: first.pod };
  } finally {
    await load.stop();
    await watcher.stop();
    await route.stop();
    expect(watcher.overlaps, 'never two writable servers').toEqual([]);
    expect(watcher.samples, 'the watcher sampled throughout').toBeGreaterThan(20);
    expect(route.multiple, 'the leader Service never had two ready endpoints').toBe(0);
    await c.waitAllHave(after, load.ackedIds());
  }
}
