import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('a follower whose datadir is lost is re-cloned and rejoins (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14450);

  it('`agent clone` copies a peer under write load and `agent run` replicates from the recorded position', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const lost = c.servers.find((s) => s.name !== leader)!;
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });

    await c.agent(lost.name).kill9();
    await lost.kill9();
    for (const entry of await readdir(lost.dataDir)) await rm(join(lost.dataDir, entry), { recursive: true, force: true });

    const r = await c.agent(lost.name).cli(['clone'], 120_000);
    expect(r.stderr).not.toMatch(/password/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clone: copied \d+ bytes from mysql-\d/);

    await lost.start();
    await c.agent(lost.name).start();
    await waitFor(`${lost.name} following ${leader}`, async () => (await c.status(lost.name)).decision === `following ${leader}`, { timeoutMs: 30_000 });
    expect(c.agent(lost.name).logTail(50)).toMatch(/replicating from the position the clone from mysql-\d recorded/);
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
