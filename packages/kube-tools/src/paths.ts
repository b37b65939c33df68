import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's tools/ folder: the Go wrapper module and versions.json. */
export function toolsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tools');
}

/**
 * Where built binaries and generated schemas live: outside the repository, so a fresh clone reuses them
 * and nothing built is ever committed. MYSQLHA_TOOLS_CACHE moves it.
 */
export function cacheDir(): string {
  const base = process.env.MYSQLHA_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mysqlha', 'tools');
  return resolve(base);
}
