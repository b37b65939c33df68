import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_CLUSTER_SPEC, type ClusterSpec } from '@mysqlha/config';
import { renderBase } from './render.js';

export interface BaseDrift {
  /** Files whose content differs from what the generator writes (e.g. edited by hand). */
  readonly stale: string[];
  /** Files the generator writes that are absent. */
  readonly missing: string[];
  /** Files present that the generator does not write. */
  readonly extra: string[];
}

/** The files below `dir`, as paths relative to it. */
async function present(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Compares `dir` with what the generator would write there; writes nothing. */
export async function checkBase(dir: string, spec: ClusterSpec = DEFAULT_CLUSTER_SPEC): Promise<BaseDrift> {
  const expected = renderBase(spec);
  const found = await present(dir);
  const drift: BaseDrift = { stale: [], missing: [], extra: found.filter((name) => !expected.has(name)) };
  for (const [name, text] of expected) {
    if (!found.includes(name)) drift.missing.push(name);
    else if ((await readFile(join(dir, name), 'utf8')) !== text) drift.stale.push(name);
  }
  return drift;
}

export function isClean(drift: BaseDrift): boolean {
  return drift.stale.length + drift.missing.length + drift.extra.length === 0;
}

/**
 * Makes `dir` exactly what the generator writes: base/ has no other writer, so files it no longer
 * generates are removed. Returns what changed.
 */
export async function writeBase(dir: string, spec: ClusterSpec = DEFAULT_CLUSTER_SPEC): Promise<BaseDrift> {
  const drift = await checkBase(dir, spec);
  const files = renderBase(spec);
  await mkdir(dir, { recursive: true });
  for (const name of [...drift.stale, ...drift.missing]) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), files.get(name)!);
  }
  for (const name of drift.extra) await rm(join(dir, name));
  return drift;
}
