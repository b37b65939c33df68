import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Moves a datadir whose history diverged from the leader's to `<name>.diverged-<time>` beside it,
 * and leaves an empty datadir so a clone can start. Nothing is deleted: an operator decides what
 * to do with the old data.
 */
export async function setAsideDiverged(dataDir: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(dataDir), `${basename(dataDir)}.diverged-${stamp}`);
  await rename(dataDir, aside);
  await mkdir(dataDir, { mode: 0o750 });
  return aside;
}
