import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sleep } from '../util/wait.js';

/** Resident set size of a process in KiB (VmRSS of /proc/PID/status). */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]);
}

let ticksPerSecond: number | undefined;

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, after the command name). */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU used by each process over `ms`, as a percentage of one core. */
export async function cpuPercent(pids: number[], ms: number): Promise<number[]> {
  const before = pids.map(cpuSeconds);
  const start = performance.now();
  await sleep(ms);
  const elapsed = (performance.now() - start) / 1000;
  return pids.map((pid, i) => ((cpuSeconds(pid) - before[i]!) / elapsed) * 100);
}
