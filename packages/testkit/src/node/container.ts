import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { trackGroup } from '../process/registry.js';

export interface Mount {
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/** Who a container's processes run as: the container's securityContext over the pod's. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: the pod's fsGroup. */
  readonly groups: readonly number[];
  readonly readOnlyRoot: boolean;
  readonly noNewPrivileges: boolean;
}

export interface ContainerSpec {
  /** The pod's network namespace (`ip netns exec`). */
  readonly netns: string;
  readonly hostname: string;
  /** Image layers first, then the pod's volume mounts. */
  readonly mounts: readonly Mount[];
  readonly runAs: RunAs;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
}

/** setTimeout fires at once beyond 2^31-1 ms; a pod's grace period can be weeks. */
export const timerMs = (ms: number): number => Math.min(ms, 2 ** 31 - 1);

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** setpriv's arguments: the container's user, groups, no capabilities and, when asked, no privilege escalation. */
function dropPrivileges(runAs: RunAs): string[] {
  return [
    'setpriv', `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`,
    runAs.groups.length > 0 ? `--groups=${runAs.groups.join(',')}` : '--clear-groups',
    '--inh-caps=-all', '--bounding-set=-all', ...(runAs.noNewPrivileges ? ['--no-new-privs'] : []), '--',
  ];
}

/**
 * The shell that turns a process in the pod's network namespace into the container: its own mount and UTS
 * namespaces, a fresh /run, the image's layers and the pod's volumes mounted at the spec's paths, the root made
 * read-only when the spec says so, then exec of the container's command as its user. One PID throughout, so
 * signals reach the container's own process.
 */
function setUpScript(spec: ContainerSpec): string {
  const lines = ['set -e', `hostname ${quote(spec.hostname)}`, 'mount -t tmpfs -o mode=755 tmpfs /run'];
  for (const m of spec.mounts) {
    lines.push(`mkdir -p ${quote(m.mountPath)}`, `mount --bind ${quote(m.hostPath)} ${quote(m.mountPath)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${quote(m.mountPath)}`);
  }
  if (spec.runAs.readOnlyRoot) lines.push('mount -o remount,bind,ro /');
  lines.push('exec "$@"');
  return lines.join('\n');
}

/** Starts the container's process, as a process group of its own so that what it starts dies with it. */
export function startContainer(spec: ContainerSpec): ChildProcess {
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(
      'ip',
      ['netns', 'exec', spec.netns, 'unshare', '--mount', '--uts', '--propagation', 'private', '--', 'sh', '-c', setUpScript(spec), 'container', ...dropPrivileges(spec.runAs), ...spec.argv],
      { env: { ...spec.env }, stdio: ['ignore', out, out], detached: true },
    );
    trackGroup(child);
    return child;
  } finally {
    closeSync(out);
  }
}

/** Runs a command inside a running container (its namespaces, user and environment): exec probes and hooks. */
export function execInContainer(pid: number, spec: ContainerSpec, argv: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('nsenter', [`--target=${pid}`, '--mount', '--uts', '--net', '--', ...dropPrivileges(spec.runAs), ...argv], { env: { ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    trackGroup(child);
    let output = '';
    const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-4096));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }, timerMs(timeoutMs));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output: err.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
