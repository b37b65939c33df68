import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The monorepo root: the nearest directory up from `start` whose package.json declares workspaces. */
export function findRepoRoot(start: string = process.cwd()): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
    if (dirname(dir) === dir) throw new Error(`no monorepo root (a package.json with "workspaces") above ${start}`);
  }
}

/** The images carry the agent's version: the agent image ships it, the mysql image is released with it. */
export function imageVersion(root: string): string {
  const manifest = join(root, 'packages/agent/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string };
  if (!version) throw new Error(`${manifest}: no "version" field`);
  return version;
}

export async function gitShortSha(root: string): Promise<string> {
  try {
    const { stdout } = await exec('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    return stdout.trim();
  } catch (error) {
    throw new Error(`cannot read the git commit of ${root} for the image tag: ${(error as Error).message}`);
  }
}

/** Git-ignored scratch space: container storage, build contexts, the base rootfs. */
export function workDir(root: string, ...parts: string[]): string {
  return join(root, '.work', ...parts);
}
