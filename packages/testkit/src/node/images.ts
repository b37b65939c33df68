import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { repoRoot } from '../util/files.js';

/**
 * What a container of an image sees on this host. The host already has the image's packages (Debian's MariaDB,
 * mariabackup, the client tools); what the image adds on top comes from its own Dockerfile: every file it COPYs
 * from its build folder, at the path it is copied to, and its ENV. The agent image's `agent` command and Node
 * runtime, which its build assembles rather than copies, are this repository's build of the agent. Each folder
 * the image adds to is a layer: a folder built here, mounted over the host's (/usr/local/bin holds the image's
 * commands only; other folders keep the host's files, which come from the same Debian packages).
 */
export interface ImageView {
  readonly name: string;
  /** container folder -> host folder mounted over it */
  readonly layers: ReadonlyMap<string, string>;
  readonly env: Readonly<Record<string, string>>;
  /** The Dockerfile's CMD (exec form), run when the container names no command. */
  readonly cmd: readonly string[];
}

const IMAGES: Record<string, string> = { 'mysqlha/mysql': 'mysql', 'mysqlha/agent': 'agent' };
const COMMANDS_DIR = '/usr/local/bin';

/** `docker.io/mysqlha/agent:0.1.0@sha256:...` -> `mysqlha/agent`. */
export function imageName(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const lastColon = noDigest.lastIndexOf(':');
  const noTag = lastColon > noDigest.lastIndexOf('/') ? noDigest.slice(0, lastColon) : noDigest;
  return noTag.split('/').slice(-2).join('/');
}

/** The layers and environment an image's Dockerfile adds, built under `workDir`. */
export function imageView(ref: string, workDir: string): ImageView {
  const name = imageName(ref);
  const folder = IMAGES[name];
  if (!folder) throw new Error(`test node: image ${ref} is not one this node can run (it runs ${Object.keys(IMAGES).join(', ')})`);
  const context = join(repoRoot(), 'docker', folder);
  const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const files = new Map<string, string>();
  const env: Record<string, string> = {};
  let cmd: string[] = [];
  for (const line of dockerfile.split('\n').map((l) => l.trim())) {
    const copy = /^COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)$/.exec(line);
    if (copy && existsSync(join(context, copy[1]!)) && statSync(join(context, copy[1]!)).isFile()) {
      files.set(copy[2]!.endsWith('/') ? join(copy[2]!, basename(copy[1]!)) : copy[2]!, join(context, copy[1]!));
    }
    const cmdLine = /^CMD\s+(\[.*\])$/.exec(line);
    if (cmdLine) cmd = JSON.parse(cmdLine[1]!) as string[];
    const vars = /^ENV\s+(.*)$/.exec(line);
    if (vars) for (const m of vars[1]!.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  const root = join(workDir, 'images', folder);
  const layers = new Map<string, string>();
  const layer = (dir: string): string => {
    const host = join(root, dir);
    if (!layers.has(dir)) {
      rmSync(host, { recursive: true, force: true });
      mkdirSync(host, { recursive: true });
      if (dir !== COMMANDS_DIR && existsSync(dir)) cpSync(dir, host, { recursive: true, verbatimSymlinks: true });
      layers.set(dir, host);
    }
    return host;
  };
  for (const [to, from] of files) copyFileSync(from, join(layer(dirname(to)), basename(to)));
  if (folder === 'agent') {
    const bin = layer(COMMANDS_DIR);
    writeFileSync(join(bin, 'agent'), `#!/bin/sh\nexec ${COMMANDS_DIR}/node ${join(repoRoot(), 'packages', 'agent', 'dist', 'cli.js')} "$@"\n`);
    symlinkSync(process.execPath, join(bin, 'node'));
  }
  for (const host of layers.values()) chmodAll(host);
  return { name, layers, env, cmd };
}

/** Readable by the containers' user: Dockerfile COPY --chmod aside, the build context's modes are kept. */
function chmodAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chmodAll(path);
    else if (entry.isFile()) chmodSync(path, statSync(path).mode & 0o111 || basename(dir) === 'bin' ? 0o755 : 0o644);
  }
}
