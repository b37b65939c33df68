import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Written into a cloned datadir before it is renamed into place, so it moves with the data. */
const POSITION_FILE = 'mysqlha-cloned-position.json';

export interface ClonedPosition {
  /** GTID position the copy is consistent with: set `gtid_slave_pos` to it before replicating. */
  gtid: string;
  /** Pod the copy came from. */
  donor: string;
  clonedAt: string;
}

/**
 * The position a freshly cloned datadir starts from, or undefined when the datadir was not cloned
 * or the position has already been applied. The copied `mysql.gtid_slave_pos` table is the
 * donor's and stale: this file is the truth until `clearClonedPosition`.
 */
export async function readClonedPosition(dataDir: string): Promise<ClonedPosition | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, POSITION_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<ClonedPosition>;
  if (typeof parsed.gtid !== 'string' || typeof parsed.donor !== 'string' || typeof parsed.clonedAt !== 'string') {
    throw new Error(`${join(dataDir, POSITION_FILE)}: expected {gtid, donor, clonedAt} strings`);
  }
  return { gtid: parsed.gtid, donor: parsed.donor, clonedAt: parsed.clonedAt };
}

/** Call once `gtid_slave_pos` has been set from the cloned position. */
export async function clearClonedPosition(dataDir: string): Promise<void> {
  await rm(join(dataDir, POSITION_FILE), { force: true });
}

export async function writeClonedPosition(dir: string, position: ClonedPosition): Promise<void> {
  await writeFile(join(dir, POSITION_FILE), `${JSON.stringify(position, null, 2)}\n`, { mode: 0o640 });
}

/**
 * The GTID position from mariabackup's `xtrabackup_binlog_info`: `<binlog file> <offset> <gtid>`,
 * tab separated; the third field is absent when the donor had no GTID yet.
 */
export async function readBackupGtid(backupDir: string): Promise<string> {
  const path = join(backupDir, 'xtrabackup_binlog_info');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: missing from the backup; the donor must run with binary logging (${(error as NodeJS.ErrnoException).code})`);
  }
  const fields = text.trim().split(/\s+/);
  if (fields.length < 2) throw new Error(`${path}: expected "<binlog file> <offset> <gtid>", got "${text.trim()}"`);
  return fields[2] ?? '';
}
