import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isExampleRepository } from '../src/gitops/sync-sources.js';
import { validateTargets } from '../src/index.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FLUX_SOURCE = join('gitops', 'flux', 'source', 'kustomization.yaml');

/** A copy of this repository's overlays, base and GitOps folders, as a checkout of its own. */
async function checkout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mysqlha-pin-'));
  await mkdir(join(dir, '.git'));
  for (const part of ['base', 'overlays', 'gitops']) await cp(join(REPO, part), join(dir, part), { recursive: true });
  return dir;
}

async function setRepository(dir: string, url: string): Promise<void> {
  for (const file of [FLUX_SOURCE, join('gitops', 'argocd', 'kustomization.yaml')]) {
    const path = join(dir, file);
    await writeFile(path, (await readFile(path, 'utf8')).replaceAll('https://git.example.com/platform/mysqlha.git', url));
  }
}

describe('image-digest: the all-zero placeholder digest in an overlay a GitOps engine syncs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await checkout();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const prod = () => validateTargets(['overlays/prod', 'overlays/staging'], { cwd: dir, stages: ['embedded'] });

  it('passes, with a note saying so, while gitops/ points only at the example repository', async () => {
    const report = await prod();
    expect(report.ok).toBe(true);
    for (const target of report.targets) expect(target.notes?.map((n) => n.message).join('\n')).toMatch(/placeholder digests, allowed while gitops\/ points only at an example repository/);
  });

  it('is refused once gitops/ names a real repository, and the message says to build, push and pin', async () => {
    await setRepository(dir, 'https://git.corp.internal/platform/mysqlha.git');
    const report = await prod();
    expect(report.ok).toBe(false);
    const [prodErrors, stagingErrors] = report.targets.map((t) => t.errors.filter((e) => e.rule === 'image-digest'));
    expect(prodErrors!.map((e) => e.path)).toContain('spec.template.spec.containers[0].image');
    expect(prodErrors![0]!.message).toMatch(/all-zero placeholder digest.*git\.corp\.internal.*npm run images:pin -- --overlay prod/);
    expect(stagingErrors![0]!.message).toMatch(/npm run images:pin -- --overlay staging/);
  });

  it('is refused while a GitOps folder does not render, since what it syncs from is unknown', async () => {
    await cp(join(REPO, 'gitops'), join(dir, 'gitops'), { recursive: true, force: true });
    expect((await prod()).ok).toBe(true);
    await writeFile(join(dir, FLUX_SOURCE), 'resources: [missing.yaml]\n');
    const report = await prod();
    expect(report.targets[0]!.errors.some((e) => e.rule === 'image-digest' && /placeholder/.test(e.message))).toBe(true);
  });

  it('is refused when the repository has no GitOps objects to say it is a template', async () => {
    await rm(join(dir, 'gitops'), { recursive: true });
    const report = await prod();
    expect(report.targets[0]!.errors.some((e) => e.rule === 'image-digest' && /placeholder/.test(e.message))).toBe(true);
  });
});

describe('isExampleRepository', () => {
  it('knows the hosts reserved for examples, in https and scp-like URLs, and nothing else', () => {
    for (const url of ['https://git.example.com/a.git', 'ssh://git@example.org/a.git', 'git@github.example:a/b.git', 'https://example.net/x']) expect(isExampleRepository(url), url).toBe(true);
    for (const url of [
      'https://github.com/a/b.git',
      'https://example.com.evil.io/a.git',
      'git@gitlab.com:a/b.git',
      'https://notexample.com/a',
      // An authority that hides the real host behind an example name.
      'https://evil.io?@git.example.com/x',
      'https://evil.io#@git.example.com/x',
      'https://evil.io\\@example.com/x',
      'git@evil.io:x@example.com:a.git',
    ])
      expect(isExampleRepository(url), url).toBe(false);
  });
});
