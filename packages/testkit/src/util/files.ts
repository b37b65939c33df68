import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The last `lines` lines of a text file, or a note that it does not exist yet. */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return `(${path} does not exist)`;
  const text = readFileSync(path, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}

/** The monorepo root: the nearest ancestor of this module with a package.json declaring workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with workspaces above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
