import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync } from 'node:fs';

const running = new Set<ChildProcess>();

// An interrupted test or gate must not leave etcd or kube-apiserver holding ports: kill them by PID on exit.
process.on('exit', () => {
  for (const child of running) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
});

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
}

/** Starts BIN with ARGS, output to LOG; tracked so it is killed if this process exits first. */
export function startProcess(name: string, bin: string, args: readonly string[], log: string): Started {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { name, child, log };
}

export function exited(started: Started): boolean {
  return started.child.exitCode !== null || started.child.signalCode !== null;
}

/** The end of a process's log, for an error that says why it stopped. */
export function logTail(started: Started, lines = 15): string {
  try {
    return readFileSync(started.log, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopProcess(started: Started, graceMs = 5_000): Promise<void> {
  if (exited(started)) return;
  const gone = once(started.child, 'exit');
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}
