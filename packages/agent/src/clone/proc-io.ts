import { readFile } from 'node:fs/promises';

/**
 * Bytes a process has read and written so far, from /proc/PID/io: the only way to follow a copy that
 * goes from one child's file descriptor to another's without passing through this process.
 * Undefined where /proc does not say (another OS, the process gone).
 */
export async function processIo(pid: number | undefined): Promise<{ read: number; written: number } | undefined> {
  if (pid === undefined) return undefined;
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const read = field('rchar');
    const written = field('wchar');
    return Number.isFinite(read) && Number.isFinite(written) ? { read, written } : undefined;
  } catch {
    return undefined;
  }
}
