import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { LocalClusterOptions } from '@mysqlha/testkit';
import { startCluster, stopAll, type Cluster } from './cluster.js';

/** One fresh cluster per test file, torn down (every process killed by PID) even when a test fails. */
export function useCluster(portBase: number, settings: Record<string, unknown> = {}, options: LocalClusterOptions = {}): { c: Cluster } {
  const holder = {} as { c: Cluster };
  beforeAll(async () => {
    holder.c = await startCluster(portBase, settings, options);
  });
  afterAll(async () => {
    if (process.env.MYSQLHA_E2E_LOGS && holder.c) console.log(holder.c.logs());
    await stopAll();
  });
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(holder.c?.logs())));
  return holder;
}
