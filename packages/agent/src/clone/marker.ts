import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * While this file exists on the data volume the mysql container's command (`mysqlha-mysqld`) waits
 * instead of starting mariadbd: the agent is replacing the datadir. It lives beside the datadir, so
 * it survives both container restarts and the datadir being moved aside.
 */
export function recloneMarkerPath(dataDir: string): string {
  return join(dirname(dataDir), 'RECLONE');
}

export interface RecloneMarker {
  /** Why the pod re-clones: the divergence it refused to replicate over. */
  reason: string;
  since: string;
  /** mariadbd's pid file, known when the server was up: gone once it has stopped. */
  pidFile?: string;
}

export async function readRecloneMarker(dataDir: string): Promise<RecloneMarker | undefined> {
  const path = recloneMarkerPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<RecloneMarker>;
    return { reason: String(parsed.reason ?? 'unknown'), since: String(parsed.since ?? ''), ...(parsed.pidFile ? { pidFile: String(parsed.pidFile) } : {}) };
  } catch {
    // Written by hand (`touch RECLONE`): an operator asking for a re-clone.
    return { reason: `${path} exists`, since: '' };
  }
}

export async function writeRecloneMarker(dataDir: string, marker: RecloneMarker): Promise<void> {
  await writeFile(recloneMarkerPath(dataDir), `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o640 });
}

export async function removeRecloneMarker(dataDir: string): Promise<void> {
  await rm(recloneMarkerPath(dataDir), { force: true });
}
