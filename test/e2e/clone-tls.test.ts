import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { now, waitFor } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// One self-signed certificate for every pod, as a Secret mounted into the agent containers would give them.
const tls = mkdtempSync(join(tmpdir(), 'mysqlha-clone-tls-'));
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=mysqlha-clone',
  '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(tls, 'tls.key'), '-out', join(tls, 'tls.crt'),
], { stdio: 'ignore' });

describe('the clone over HTTPS configured in agent.yaml (agents against the fake Kubernetes API)', () => {
  const h = useCluster(16200, {
    cloneTlsCertFile: join(tls, 'tls.crt'),
    cloneTlsKeyFile: join(tls, 'tls.key'),
    cloneTlsCaFile: join(tls, 'tls.crt'),
  });
  afterAll(() => rmSync(tls, { recursive: true, force: true }));

  it('agent run serves the donor over HTTPS only, and agent clone receives from it', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const lost = c.servers.find((s) => s.name !== leader)!;
    const donorPort = c.agent(leader).clonePort;
    expect(c.agent(leader).logTail(50)).toMatch(new RegExp(`clone donor listening on 0\\.0\\.0\\.0:${donorPort} \\(https\\)`));
    // Plain HTTP gets no answer from an HTTPS donor.
    await expect(fetch(`http://127.0.0.1:${donorPort}/clone`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();

    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await c.agent(lost.name).kill9();
    await lost.kill9();
    for (const entry of readdirSync(lost.dataDir)) rmSync(join(lost.dataDir, entry), { recursive: true, force: true });

    const r = await c.agent(lost.name).cli(['clone'], 120_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clone: copied \d+ bytes from mysql-\d/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/https:\/\/127\.0\.0\.1:/);

    await lost.start();
    await c.agent(lost.name).start();
    await waitFor(`${lost.name} following ${leader}`, async () => (await c.status(lost.name)).decision === `following ${leader}`, { timeoutMs: 30_000 });
    await waitHealthy(c, 30_000);
    await verifyInvariants(c);
  });
});
