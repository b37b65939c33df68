import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultTargets, validateTargets } from '../src/index.js';
import { FIXTURES, where } from './helpers.js';

const REPO = join(FIXTURES, '..', '..', '..', '..');

describe('targets', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'targets-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('without arguments: overlay kustomizations (not components), GitOps files, GitOps kustomizations as a whole', () => {
    write('overlays/dev/kustomization.yaml', 'resources: []\n');
    write('overlays/dev/secrets/dev.env', '');
    write('overlays/components/spread/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n');
    write('overlays/prod/kustomization.yaml', 'resources: []\n');
    write('gitops/argocd/staging.yaml', 'kind: Application\n');
    write('gitops/argocd/prod.yml', 'kind: Application\n');
    write('gitops/flux/prod/kustomization.yaml', 'resources: [sync.yaml]\n');
    write('gitops/flux/prod/sync.yaml', 'kind: Kustomization\n');
    write('gitops/flux/clusters/kustomization.yaml', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n');
    expect(defaultTargets(root).map((target) => `${target.type} ${target.name}`)).toEqual([
      'kustomization overlays/dev',
      'kustomization overlays/prod',
      'file gitops/argocd/prod.yml',
      'file gitops/argocd/staging.yaml',
      'file gitops/flux/clusters/kustomization.yaml',
      'kustomization gitops/flux/prod',
    ]);
  });

  it('with nothing to validate, says so and fails', async () => {
    const report = await validateTargets([], { root, cwd: root });
    expect(report.ok).toBe(false);
    expect(report.targets[0]?.errors[0]?.message).toContain('nothing to validate');
  });
});

describe('the repository', () => {
  it('refuses more pods in an overlay than the Role names, saying where the limit comes from', async () => {
    const root = mkdtempSync(join(tmpdir(), 'scale-'));
    try {
      writeFileSync(join(root, 'kustomization.yaml'), `resources: [${relative(root, join(REPO, 'overlays', 'prod'))}]\nreplicas:\n  - name: mysql\n    count: 12\n`);
      const report = await validateTargets([root], { cwd: root, stages: ['embedded'] });
      expect(where(report.targets[0]?.errors ?? [], 'rbac')).toEqual(['rbac Role/mysql-agent rules']);
      expect(report.targets[0]?.errors.find((e) => e.rule === 'rbac')?.message).toMatch(/mysql-9, mysql-10, mysql-11\), which the agent calls; the generated Role names the pods up to ClusterSpec replicas/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the generated base/ validates clean but for the TLS Secret (volumes tls and tls-ca), which each overlay provides (no environment, so the environment policies do not run)', async () => {
    const report = await validateTargets(['base'], { cwd: REPO, stages: ['embedded'] });
    expect(report.targets[0]?.environment).toBeUndefined();
    expect(where(report.targets[0]?.errors ?? [])).toEqual([
      'secret-refs StatefulSet/mysql spec.template.spec.volumes[2].secret.secretName',
      'secret-refs StatefulSet/mysql spec.template.spec.volumes[3].secret.secretName',
    ]);
    expect(report.targets[0]?.objects).toBeGreaterThan(5);
  });
});
