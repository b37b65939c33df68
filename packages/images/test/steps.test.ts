import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectBuilder } from '../src/index.js';
import { createRunner } from '../src/steps.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mysqlha-steps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('build steps', () => {
  it('names the failed step and shows the end of its output', async () => {
    const lines: string[] = [];
    const runner = createRunner(dir, (line) => lines.push(line), 1);
    const failing = runner.step('build mysql image', () =>
      runner.run('build mysql image', 'sh', ['-c', 'echo "E: Unable to locate package mariadb-servr" >&2; exit 100']),
    );
    await expect(failing).rejects.toThrow(/step "build mysql image" failed: sh exited 100; last lines of .*build-mysql-image\.log:\n.*Unable to locate package mariadb-servr/s);
    expect(lines).toEqual(['[1/1] build mysql image ...']);
  });

  it('says when a tool is not installed', async () => {
    const runner = createRunner(dir, () => undefined);
    await expect(runner.run('push', 'no-such-builder-tool', [])).rejects.toThrow('step "push" failed: no-such-builder-tool is not installed');
  });

  it('explains what to install when no builder exists', async () => {
    await expect(detectBuilder({ PATH: dir })).rejects.toThrow(/no image builder found: install Docker with the buildx plugin .*podman, or buildah/);
  });
});
