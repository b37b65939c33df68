import { ROLE_LABEL } from '@mysqlha/config';
import { describe, expect, it } from 'vitest';
import { CHECK_SCHEMA, CHECK_TABLE, waitFor } from '@mysqlha/testkit';
import { errantWriteOnIsolatedLeader, metric, verifyInvariants } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

describe('an errant transaction on an isolated ex-leader (agents against the fake Kubernetes API)', () => {
  const h = useCluster(14250);

  it('is detected when it rejoins: it refuses to replicate, stays read-only and says why', async () => {
    const { c } = h;
    const { first, next } = await errantWriteOnIsolatedLeader(c);
    const errantGtid = String(await c.server(first).value('SELECT @@gtid_binlog_pos'));
    c.kube.heal(first);

    const a = c.agent(first);
    await waitFor(`${first} reports diverged`, async () => (await c.status(first)).diverged !== null, { timeoutMs: 30_000 });
    const status = await c.status(first);
    expect(status.decision).toMatch(/^refusing to replicate/);
    expect(status.diverged).toMatch(/error 1236|different transactions|beyond the leader|where the leader's history starts/);
    expect(await metric(a, 'mysqlha_diverged')).toBe(1);
    expect(status.role).toBe('none');
    expect((await fetch(`http://127.0.0.1:${a.httpPort}/readyz`)).status).toBe(503);
    await waitFor('a Diverged event', () => c.kube.timeline.events.some((e) => e.by === first && e.reason === 'Diverged'), { timeoutMs: 10_000 });

    // Its data was neither replaced nor replicated over, and it stays read-only and out of routing.
    expect(Number(await c.server(first).value('SELECT @@read_only'))).toBe(1);
    expect(String(await c.server(first).value('SELECT @@gtid_binlog_pos'))).toBe(errantGtid);
    expect(await c.server(first).value(`SELECT payload FROM ${CHECK_SCHEMA}.${CHECK_TABLE} WHERE id = -1`)).toBe('errant');
    const replication = await c.server(first).query<{ Slave_IO_Running: string; Slave_SQL_Running: string }>('SHOW SLAVE STATUS');
    expect(replication.every((r) => r.Slave_IO_Running === 'No' && r.Slave_SQL_Running === 'No')).toBe(true);
    expect(await c.server(next).value(`SELECT COUNT(*) FROM ${CHECK_SCHEMA}.${CHECK_TABLE} WHERE id = -1`)).toBe(0);
    expect(c.kube.pod(first).metadata.labels[ROLE_LABEL], 'labelled, and not leader').toMatch(/^(?!leader$)\w+/);
    await verifyInvariants(c, [first]);
  });
});
