import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured, type ClusterView } from '@mysqlha/cli';
import { allTools, binaryPath } from '@mysqlha/kube-tools';
import { startControlPlane, stopAll, waitFor, type ControlPlane } from '@mysqlha/testkit';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const NS = 'mysqlha-dev';

/**
 * The README's quickstart as far as a machine without a kubelet goes: overlays/quickstart applied to a real API
 * server with its controllers, the StatefulSet controller creating the pods (admitted under Pod Security
 * "restricted") and their claims on the default class, and `mysqlha status` reading them.
 */
describe.runIf(allTools().ok)('the quickstart overlay on a real control plane', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ portBase: 17600, controllers: true });
  }, 120_000);
  afterAll(async () => {
    await cp?.stop();
    await stopAll();
  });

  it('applies; the StatefulSet controller creates three pods and their claims; mysqlha status shows them, with no leader yet', async () => {
    await exec('npx', ['zx', 'scripts/dev-secret.mjs'], { cwd: ROOT });
    const kubectl = binaryPath('kubectl');
    const rendered = (await exec(kubectl, ['kustomize', join(ROOT, 'overlays', 'quickstart')], { maxBuffer: 16 << 20 })).stdout;
    const file = join(cp.dir, 'quickstart.yaml');
    writeFileSync(file, rendered);
    const applied = await exec(kubectl, ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', file]);
    expect(applied.stdout).toMatch(/statefulset\.apps\/mysql serverside-applied/);

    const pods = await waitFor('three pods created by the StatefulSet controller', async () => {
      const list = (await cp.api.expect('GET', `/api/v1/namespaces/${NS}/pods`)).body as { items: { metadata: { name: string } }[] };
      return list.items.length === 3 ? list.items.map((p) => p.metadata.name).sort() : undefined;
    }, { timeoutMs: 60_000 });
    expect(pods).toEqual(['mysql-0', 'mysql-1', 'mysql-2']);
    const claims = (await cp.api.expect('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims`)).body as { items: { metadata: { name: string }; spec: { storageClassName?: string } }[] };
    expect(claims.items.map((c) => c.metadata.name).sort()).toEqual(['data-mysql-0', 'data-mysql-1', 'data-mysql-2']);
    for (const claim of claims.items) expect(claim.spec.storageClassName, 'the default class').toBeUndefined();

    const { code, out, err } = await runCaptured(['status', '--kubeconfig', cp.kubeconfig, '-n', NS, '--json']);
    expect(code, err).toBe(0);
    const view = JSON.parse(out) as ClusterView;
    expect(view.pods.map((p) => p.pod)).toEqual(['mysql-0', 'mysql-1', 'mysql-2']);
    expect(view.leaseHolder).toBeNull();
    expect(view.warnings).toEqual(['no pod holds the Lease: no server takes writes']);
    // No kubelet runs them: no pod IP, so the API server cannot proxy to an agent, and the table says so.
    for (const p of view.pods) expect(p.agentError).toMatch(/^the agent of mysql-\d answered \d{3}: /);
  }, 180_000);
});
