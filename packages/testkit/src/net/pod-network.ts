import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { trackCloser } from '../process/registry.js';
import { alive, iptables, run } from './commands.js';

/** How a pod's processes are started: through a shell that first joins the pod's cgroup, then execs (same PID). */
export type SpawnWrap = (command: string, args: string[]) => { command: string; args: string[] };

/**
 * Pod-to-pod network partitions made by the kernel's packet filter, while every pod keeps listening on loopback as
 * the rest of the harness expects. Each pod's processes (mariadbd, the agent and whatever it spawns) live in a
 * cgroup v2 group of their own; a mangle rule marks every TCP connection a pod opens with that pod's mark; and a
 * cut between two pods drops, in both directions, every packet of a connection one opened to the other's ports.
 * Connections from outside the pods (the test's clients, the fake API) are never touched, so a cut isolates pods
 * from each other and nothing else. Needs root, iptables with the cgroup and connmark matches, and cgroup2.
 */
export class PodNetwork {
  readonly #pods = new Map<string, { mark: number; ports: number[]; cgroup: string }>();
  readonly #cuts = new Set<string>();
  readonly #tag: string;
  #untrack: () => void = () => {};

  private constructor(
    readonly cgroupRoot: string,
    readonly cgroupDir: string,
  ) {
    this.#tag = `MYSQLHA${process.pid % 100000}`;
  }

  static async create(): Promise<PodNetwork> {
    if (process.getuid?.() !== 0) throw new Error('PodNetwork: pod-to-pod partitions need root (iptables rules and a cgroup per pod)');
    const root = await cgroup2Root();
    await removeStale(root);
    const dir = `mysqlha-${process.pid}`;
    mkdirSync(join(root, dir), { recursive: true });
    const net = new PodNetwork(root, dir);
    const tag = net.#tag;
    try {
      await iptables('-t', 'mangle', '-N', `${tag}-MARK`);
      await iptables('-t', 'mangle', '-I', 'OUTPUT', '-o', 'lo', '-j', `${tag}-MARK`);
      await iptables('-N', `${tag}-CUT`);
      await iptables('-I', 'OUTPUT', '-o', 'lo', '-j', `${tag}-CUT`);
    } catch (error) {
      await net.close();
      throw error;
    }
    net.#untrack = trackCloser(() => net.close());
    return net;
  }

  /** Registers a pod (before any of its processes start) with the ports its processes listen on. */
  async addPod(name: string, ports: number[]): Promise<void> {
    if (this.#pods.has(name)) throw new Error(`PodNetwork: pod ${name} added twice`);
    const mark = 0x4d00 + this.#pods.size + 1;
    const cgroup = `${this.cgroupDir}/${name}`;
    mkdirSync(join(this.cgroupRoot, cgroup), { recursive: true });
    await iptables('-t', 'mangle', '-A', `${this.#tag}-MARK`, '-p', 'tcp', '-m', 'cgroup', '--path', cgroup, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'CONNMARK', '--set-mark', String(mark));
    this.#pods.set(name, { mark, ports, cgroup });
  }

  /** Wraps a command so the process joins `pod`'s cgroup before it opens any socket. */
  wrap(pod: string): SpawnWrap {
    const p = this.#pod(pod);
    const procs = join(this.cgroupRoot, p.cgroup, 'cgroup.procs');
    return (command, args) => ({ command: 'sh', args: ['-c', `echo $$ > '${procs}' && exec "$@"`, 'sh', command, ...args] });
  }

  /** Cuts `a` and `b` off from each other, both ways, including connections already open. */
  async cut(a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|');
    if (this.#cuts.has(key)) return;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const f = this.#pod(from);
      const t = this.#pod(to);
      await iptables('-A', `${this.#tag}-CUT`, '-p', 'tcp', '-m', 'connmark', '--mark', String(f.mark), '-m', 'multiport', '--ports', t.ports.join(','), '-j', 'DROP');
    }
    this.#cuts.add(key);
  }

  /** Cuts `pod` off from every other pod. */
  async isolate(pod: string): Promise<void> {
    for (const other of this.#pods.keys()) if (other !== pod) await this.cut(pod, other);
  }

  /** Restores every cut. */
  async heal(): Promise<void> {
    await iptables('-F', `${this.#tag}-CUT`);
    this.#cuts.clear();
  }

  /** The pairs cut now, e.g. `mysql-0|mysql-1`. */
  cuts(): string[] {
    return [...this.#cuts].sort();
  }

  /** Removes the rules and chains; the cgroups go once their processes have exited. */
  async close(): Promise<void> {
    this.#untrack();
    const tag = this.#tag;
    await iptables('-D', 'OUTPUT', '-o', 'lo', '-j', `${tag}-CUT`).catch(() => undefined);
    await iptables('-F', `${tag}-CUT`).catch(() => undefined);
    await iptables('-X', `${tag}-CUT`).catch(() => undefined);
    await iptables('-t', 'mangle', '-D', 'OUTPUT', '-o', 'lo', '-j', `${tag}-MARK`).catch(() => undefined);
    await iptables('-t', 'mangle', '-F', `${tag}-MARK`).catch(() => undefined);
    await iptables('-t', 'mangle', '-X', `${tag}-MARK`).catch(() => undefined);
    this.#cuts.clear();
    process.once('exit', () => this.#removeCgroups());
    this.#removeCgroups();
  }

  #removeCgroups(): void {
    for (const p of this.#pods.values()) {
      try {
        rmdirSync(join(this.cgroupRoot, p.cgroup));
      } catch {
        // still has processes: removed on exit, after the registry has killed them
      }
    }
    try {
      rmdirSync(join(this.cgroupRoot, this.cgroupDir));
    } catch {
      // idem
    }
  }

  #pod(name: string): { mark: number; ports: number[]; cgroup: string } {
    const p = this.#pods.get(name);
    if (!p) throw new Error(`PodNetwork: no pod ${name} (pods: ${[...this.#pods.keys()].join(', ') || 'none'})`);
    return p;
  }
}

/** Rules and cgroups a harness left behind when it was killed (SIGKILL runs no cleanup). */
async function removeStale(cgroupRoot: string): Promise<void> {
  for (const table of ['filter', 'mangle']) {
    const stdout = await iptables('-t', table, '-S');
    const chains = new Set([...stdout.matchAll(/^-N (MYSQLHA(\d+)-(?:CUT|MARK))$/gm)].filter((m) => !alive(Number(m[2]))).map((m) => m[1]!));
    for (const chain of chains) {
      await iptables('-t', table, '-D', 'OUTPUT', '-o', 'lo', '-j', chain).catch(() => undefined);
      await iptables('-t', table, '-F', chain).catch(() => undefined);
      await iptables('-t', table, '-X', chain).catch(() => undefined);
    }
  }
  for (const dir of readdirSync(cgroupRoot).filter((d) => /^mysqlha-\d+$/.test(d) && !alive(Number(d.slice(8))))) {
    for (const pod of readdirSync(join(cgroupRoot, dir), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      try {
        rmdirSync(join(cgroupRoot, dir, pod.name));
      } catch {
        // a process of it still runs
      }
    }
    try {
      rmdirSync(join(cgroupRoot, dir));
    } catch {
      // idem
    }
  }
}

/** The machine's cgroup2 mount, or one mounted for the harness (a hybrid host mounts none by default). */
async function cgroup2Root(): Promise<string> {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const found = mounts.find((m) => m[2] === 'cgroup2');
  if (found?.[1]) return found[1];
  const dir = '/run/mysqlha-test-cgroup2';
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'cgroup2', 'none', dir]);
  } catch (error) {
    throw new Error(`PodNetwork: no cgroup2 mount and mounting one at ${dir} failed: ${(error as Error).message}`);
  }
  return dir;
}
