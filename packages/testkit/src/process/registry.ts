import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
/** Children started as the leader of a process group (`detached`), killed with their whole group. */
const groups = new Set<ChildProcess>();
const closers = new Set<() => Promise<void>>();
const tempDirs = new Set<string>();

/**
 * A test that fails or is interrupted must not leave mariadbd or agent processes behind holding ports and data
 * dirs, so every child the harness starts is killed by PID when the test process exits.
 */
process.on('exit', () => {
  for (const child of children) {
    if (child.pid !== undefined && isAlive(child)) process.kill(groups.has(child) ? -child.pid : child.pid, 'SIGKILL');
  }
  removeTempDirs();
});
// Interrupted (Ctrl-C, a CI timeout): Node would exit without 'exit' handlers, leaving the children behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function removeTempDirs(): void {
  if (!process.env.MYSQLHA_KEEP_TMP) {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }
  tempDirs.clear();
}

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * A child spawned `detached` (a process group of its own) whose children must die with it, such as a wrapper
 * script that starts the real server: it and its group are killed by the group's id.
 */
export function trackGroup(child: ChildProcess): void {
  trackChild(child);
  groups.add(child);
  child.once('exit', () => {
    // The leader is gone; what it started may not be.
    if (child.pid !== undefined) killGroup(child.pid);
    groups.delete(child);
  });
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // No process of that group is left.
  }
}

/** Something in-process to close on stopAll (a fake API server, a load generator). */
export function trackCloser(close: () => Promise<void>): () => void {
  closers.add(close);
  return () => closers.delete(close);
}

/** A mkdtemp dir removed by stopAll, unless MYSQLHA_KEEP_TMP is set to look at it afterwards. */
export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

/** Sends SIGKILL and resolves once the process has exited. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (!isAlive(child)) return;
  const exited = once(child, 'exit');
  if (groups.has(child) && child.pid !== undefined) killGroup(child.pid);
  else child.kill('SIGKILL');
  await exited;
}

/** SIGTERM and resolves once the process has exited; SIGKILL if it takes longer than timeoutMs. */
export async function terminateAndWait(child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  if (!isAlive(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Stops everything the harness started in this process: closes fake servers and checkers, kills every child
 * process by PID and waits for it, and removes the temp dirs. Call it in afterAll.
 */
export async function stopAll(): Promise<void> {
  const closing = [...closers];
  closers.clear();
  await Promise.allSettled(closing.map((close) => close()));
  await Promise.all([...children].map(killAndWait));
  removeTempDirs();
}
