import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a backup of this datadir will roughly weigh: every file except binary and relay logs,
 * which mariabackup does not copy. Used only for the receiver's ETA, so errors give undefined.
 */
export async function estimateBackupSize(dataDir: string): Promise<number | undefined> {
  try {
    return await sizeOf(dataDir, true);
  } catch {
    return undefined;
  }
}

async function sizeOf(dir: string, top: boolean): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOf(path, false);
    else if (entry.isFile() && !(top && /-bin\.|relay-bin|\.index$/.test(entry.name))) total += (await stat(path)).size;
  }
  return total;
}
