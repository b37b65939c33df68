import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs a network command; a failure names the command and says what it printed. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    return (await exec(command, [...args])).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** iptables, waiting for the xtables lock rather than failing on it (several harnesses may edit rules). */
export const iptables = (...args: string[]): Promise<string> => run('iptables', ['-w', ...args]);

export const ip = (...args: string[]): Promise<string> => run('ip', args);

/** Whether a process still runs: the harness that owns a stale rule or namespace is known by its pid. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
