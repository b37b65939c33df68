import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertConverged, CHECK_SCHEMA, CHECK_TABLE, waitFor } from '@mysqlha/testkit';
import { errantWriteOnIsolatedLeader, metric, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('a diverged ex-leader re-clones itself and keeps its old datadir (agents against the fake Kubernetes API)', () => {
  const h = useCluster(16400, { recloneDivergedAfterMs: 2000 });

  it('stops its mariadbd, sets the diverged datadir aside, clones a peer and follows the leader again', async () => {
    const { c } = h;
    const { first, next } = await errantWriteOnIsolatedLeader(c);
    const server = c.server(first);
    c.kube.heal(first);

    // The agent shuts mariadbd down over its connection; the kubelet would restart the mysql container into
    // mysqlha-mysqld, which waits while the marker exists. Here the test plays that part.
    const marker = join(dirname(server.dataDir), 'RECLONE');
    await waitFor(`${first}'s mariadbd shut down by its agent`, () => !server.isRunning(), { timeoutMs: 60_000, intervalMs: 50 });
    expect(existsSync(marker)).toBe(true);
    const during = await c.status(first);
    expect(during.diverged).toMatch(/^re-cloning from a peer: /);
    expect(during.role).toBe('none');
    await waitFor(`${first}'s re-clone marker removed`, () => !existsSync(marker), { timeoutMs: 120_000, intervalMs: 100 });
    await server.start();

    await waitFor(`${first} following ${next}`, async () => (await c.status(first)).decision === `following ${next}`, { timeoutMs: 30_000 });
    expect(c.agent(first).logTail(200)).toMatch(/replicating from the position the clone from mysql-\d recorded/);
    await waitHealthy(c, 30_000);
    const after = await c.status(first);
    expect(after.diverged).toBeNull();
    expect(await metric(c.agent(first), 'mysqlha_diverged')).toBe(0);
    expect(await server.value(`SELECT COUNT(*) FROM ${CHECK_SCHEMA}.${CHECK_TABLE} WHERE id = -1`)).toBe(0);
    for (const reason of ['Recloning', 'Recloned']) {
      expect(c.kube.timeline.events.some((e) => e.by === first && e.reason === reason), `a ${reason} event`).toBe(true);
    }

    // The diverged datadir is still there, beside the new one, with the errant row in it.
    const aside = readdirSync(dirname(server.dataDir)).filter((n) => n.startsWith(`${basename(server.dataDir)}.diverged-`));
    expect(aside).toHaveLength(1);
    const oldTable = readFileSync(join(dirname(server.dataDir), aside[0]!, CHECK_SCHEMA, `${CHECK_TABLE}.ibd`));
    expect(oldTable.includes('errant')).toBe(true);

    // Every acknowledged write on every server, identical GTID sets and checksums, never two writable.
    await verifyInvariants(c);
  });

  it('an agent killed in the middle finishes the re-clone the marker describes when it starts again', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    c.kube.partition(leader, 'hang');
    const server = c.server(leader);
    await waitFor(`${leader} read-only`, async () => Number(await server.value('SELECT @@read_only')) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    const next = await c.kube.waitForLeader({ not: leader, timeoutMs: 30_000 });
    await server.query(`INSERT INTO ${CHECK_SCHEMA}.${CHECK_TABLE} (id, payload) VALUES (?, ?)`, [-2, 'errant']);
    c.kube.heal(leader);

    // Killed as soon as it has written the marker: before, during or just after its SHUTDOWN.
    const marker = join(dirname(server.dataDir), 'RECLONE');
    await waitFor(`${leader}'s re-clone marker`, () => existsSync(marker), { timeoutMs: 60_000, intervalMs: 5 });
    await c.agent(leader).kill9();
    await c.agent(leader).start();
    await waitFor(`${leader}'s mariadbd shut down`, () => !server.isRunning(), { timeoutMs: 60_000, intervalMs: 50 });
    await waitFor(`${leader}'s re-clone marker removed`, () => !existsSync(marker), { timeoutMs: 120_000, intervalMs: 100 });
    await server.start();
    expect(c.agent(leader).logTail(400)).toMatch(/finishing the re-clone the marker asks for/);

    await waitFor(`${leader} following ${next}`, async () => (await c.status(leader)).decision === `following ${next}`, { timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    expect(await server.value(`SELECT COUNT(*) FROM ${CHECK_SCHEMA}.${CHECK_TABLE} WHERE id = -2`)).toBe(0);
    expect(readdirSync(dirname(server.dataDir)).filter((n) => n.startsWith(`${basename(server.dataDir)}.diverged-`))).toHaveLength(1);
    await assertConverged(c.servers, c.load.ackedIds(), { timeoutMs: 30_000 });
  });
});
