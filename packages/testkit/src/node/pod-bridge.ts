import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, ip, iptables } from '../net/commands.js';
import { trackCloser } from '../process/registry.js';

/** The pod network: 10.244.0.0/24 behind one bridge; the node (this host) is .1 on it. */
export const POD_SUBNET = '10.244.0';
export const NODE_IP = `${POD_SUBNET}.1`;
/** The `kubernetes` Service's address (first of the control plane's service range), where pods find the API. */
export const API_SERVICE_IP = '10.96.0.1';

const NETNS_DIR = '/etc/netns';

/**
 * Each pod's network as a container runtime gives it: a network namespace of its own with a veth on a bridge,
 * a pod IP, and an /etc/hosts that `ip netns exec` mounts over /etc/hosts in every container (the cluster DNS,
 * fed by the node). All on this host: nothing is reachable from beyond it. Pods reach the API through the node's
 * per-pod proxy on the `kubernetes` Service address. Needs root.
 */
export class PodBridge {
  readonly #pods = new Map<string, { ns: string; ip: string; veth: string }>();
  readonly #used = new Set<number>();
  #last = 1;
  #untrack: () => void = () => {};

  private constructor(readonly tag: string) {}

  static async create(): Promise<PodBridge> {
    if (process.getuid?.() !== 0) throw new Error('PodBridge: pod networks need root (namespaces, a bridge, iptables)');
    await removeStale();
    const tag = `mh${process.pid}`;
    const stdout = await ip('-4', 'route', 'show');
    const clash = stdout.split('\n').find((l) => l.startsWith(`${POD_SUBNET}.`) || l.startsWith(`${API_SERVICE_IP} `));
    if (clash) throw new Error(`PodBridge: ${POD_SUBNET}.0/24 or ${API_SERVICE_IP} is already routed on this host (${clash.trim()}); another test node runs, or the host uses the range`);
    const bridge = new PodBridge(tag);
    try {
      await ip('link', 'add', tag, 'type', 'bridge');
      await ip('addr', 'add', `${NODE_IP}/24`, 'dev', tag);
      await ip('addr', 'add', `${API_SERVICE_IP}/32`, 'dev', tag);
      await ip('link', 'set', tag, 'up');
      // Bridged frames pass the host's FORWARD chain when br_netfilter is loaded: let the pods' own through.
      await iptables('-I', 'FORWARD', '-i', tag, '-o', tag, '-j', 'ACCEPT');
    } catch (error) {
      await bridge.close();
      throw error;
    }
    const untrack = trackCloser(() => bridge.close());
    // An interrupted test exits without awaiting closers: the bridge and namespaces go synchronously then.
    const onExit = (): void => bridge.#removeNow();
    process.once('exit', onExit);
    bridge.#untrack = () => {
      untrack();
      process.off('exit', onExit);
    };
    return bridge;
  }

  /** A network namespace, veth and pod IP for `pod`; the IP stays free for reuse once removed. */
  async addPod(pod: string): Promise<string> {
    if (this.#pods.has(pod)) throw new Error(`PodBridge: pod ${pod} already has a network`);
    // The next free address after the last one given, as IPAM does: an address handed straight back to a new pod
    // would meet its peers' neighbour caches still holding the old pod's link address, silent for half a minute.
    const n = [...Array(250).keys()].map((i) => ((this.#last - 2 + 1 + i) % 250) + 2).find((i) => !this.#used.has(i));
    if (n === undefined) throw new Error('PodBridge: no pod IP left');
    this.#used.add(n);
    this.#last = n;
    const ns = `${this.tag}-${n}`;
    const veth = `${this.tag}v${n}`;
    const podIp = `${POD_SUBNET}.${n}`;
    this.#pods.set(pod, { ns, ip: podIp, veth });
    mkdirSync(join(NETNS_DIR, ns), { recursive: true });
    writeFileSync(join(NETNS_DIR, ns, 'hosts'), '');
    await ip('netns', 'add', ns);
    await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('link', 'set', veth, 'master', this.tag, 'up');
    await ip('-n', ns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', ns, 'route', 'add', 'default', 'via', NODE_IP);
    return podIp;
  }

  /** The namespace name of `pod`, for `ip netns exec`. */
  netns(pod: string): string {
    return this.#pod(pod).ns;
  }

  /** The pod's /etc/hosts, rewritten in place: running processes keep seeing the same file. */
  writeHosts(pod: string, text: string): void {
    writeFileSync(join(NETNS_DIR, this.#pod(pod).ns, 'hosts'), text);
  }

  async removePod(pod: string): Promise<void> {
    const p = this.#pods.get(pod);
    if (!p) return;
    this.#pods.delete(pod);
    await ip('netns', 'del', p.ns).catch(() => undefined);
    await ip('link', 'del', p.veth).catch(() => undefined);
    rmSync(join(NETNS_DIR, p.ns), { recursive: true, force: true });
    this.#used.delete(Number(p.ip.split('.')[3]));
  }

  async close(): Promise<void> {
    this.#untrack();
    for (const pod of [...this.#pods.keys()]) await this.removePod(pod);
    await iptables('-D', 'FORWARD', '-i', this.tag, '-o', this.tag, '-j', 'ACCEPT').catch(() => undefined);
    await ip('link', 'del', this.tag).catch(() => undefined);
  }

  #removeNow(): void {
    for (const p of this.#pods.values()) {
      for (const args of [['netns', 'del', p.ns], ['link', 'del', p.veth]]) spawnSync('ip', args, { stdio: 'ignore' });
      rmSync(join(NETNS_DIR, p.ns), { recursive: true, force: true });
    }
    spawnSync('iptables', ['-w', '-D', 'FORWARD', '-i', this.tag, '-o', this.tag, '-j', 'ACCEPT'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', this.tag], { stdio: 'ignore' });
  }

  #pod(name: string): { ns: string; ip: string; veth: string } {
    const p = this.#pods.get(name);
    if (!p) throw new Error(`PodBridge: no network for pod ${name} (pods: ${[...this.#pods.keys()].join(', ') || 'none'})`);
    return p;
  }
}

/** Bridges, namespaces and rules a killed harness left behind (SIGKILL runs no cleanup). */
async function removeStale(): Promise<void> {
  const dead = (name: string): boolean => {
    const m = /^mh(\d+)(?:-\d+)?$/.exec(name);
    return m !== null && !alive(Number(m[1]));
  };
  const links = await ip('-o', 'link', 'show', 'type', 'bridge');
  for (const name of links.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter(dead)) {
    await iptables('-D', 'FORWARD', '-i', name, '-o', name, '-j', 'ACCEPT').catch(() => undefined);
    await ip('link', 'del', name).catch(() => undefined);
  }
  const spaces = await ip('netns', 'list');
  for (const ns of spaces.split('\n').map((l) => l.split(' ')[0] ?? '').filter(dead)) await ip('netns', 'del', ns).catch(() => undefined);
  let dirs: string[] = [];
  try {
    dirs = readdirSync(NETNS_DIR);
  } catch {
    // no /etc/netns yet
  }
  for (const d of dirs.filter(dead)) rmSync(join(NETNS_DIR, d), { recursive: true, force: true });
}
