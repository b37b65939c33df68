import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GoRun {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `go ARGS`, resolving stdout; a failure carries go's own stderr, which names the module or package. */
export function go(args: readonly string[], options: GoRun = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd: options.cwd ?? tmpdir(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error('go is not on PATH: the Kubernetes tools are built from Go modules (Go 1.25 or later)') : error);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`go ${args.join(' ')} failed (exit ${code}):\n${stderr.trim().split('\n').slice(-20).join('\n')}`));
    });
  });
}

let modCache: Promise<string> | undefined;

/** The module cache's folder for MODULE@VERSION: upper-case letters are escaped as !lower. */
async function cachedModuleDir(module: string, version: string): Promise<string> {
  modCache ??= go(['env', 'GOMODCACHE']).then((out) => out.trim());
  const escaped = `${module}@${version}`.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
  return join(await modCache, escaped);
}

/** `go mod download -json MODULE@VERSION`: the module's folder and go.mod file in the module cache. */
async function download(module: string, version: string, want: 'Dir' | 'GoMod'): Promise<string> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `${module}@${version}`])) as { Dir?: string; GoMod?: string; Error?: string };
  const found = info[want];
  if (info.Error || !found) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? `no ${want} reported`}`);
  return found;
}

/** Downloads MODULE@VERSION into the module cache (once) and returns its folder there. */
export async function moduleDir(module: string, version: string): Promise<string> {
  const cached = await cachedModuleDir(module, version);
  return existsSync(cached) ? cached : download(module, version, 'Dir');
}

/** The go.mod of MODULE@VERSION as the module proxy serves it. */
export async function moduleGoMod(module: string, version: string): Promise<string> {
  return readFile(await download(module, version, 'GoMod'), 'utf8');
}
