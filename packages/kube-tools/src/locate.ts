import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, BINARY_NAMES, type BinaryName } from './go-mod.js';
import { cacheDir } from './paths.js';
import { loadVersions, type Versions } from './versions.js';

/** Where the pinned build of NAME lives in the cache (whether or not it has been built). */
export function binaryPath(name: BinaryName, versions: Versions = loadVersions()): string {
  return join(cacheDir(), 'bin', name, versions.go[BINARIES[name].from].version, name);
}

/** The pinned binary if it has been built, else undefined. */
export function findTool(name: BinaryName): string | undefined {
  const path = binaryPath(name);
  return existsSync(path) ? path : undefined;
}

/** Every pinned binary, or the names of those not built yet. */
export function allTools(): { ok: true; paths: Record<BinaryName, string> } | { ok: false; missing: BinaryName[] } {
  const versions = loadVersions();
  const paths = Object.fromEntries(BINARY_NAMES.map((name) => [name, binaryPath(name, versions)])) as Record<BinaryName, string>;
  const missing = BINARY_NAMES.filter((name) => !existsSync(paths[name]));
  return missing.length === 0 ? { ok: true, paths } : { ok: false, missing };
}
