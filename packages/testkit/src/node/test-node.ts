import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeApi } from '@mysqlha/kube-tools';
import { trackCloser } from '../process/registry.js';
import type { ApiPath } from './api-proxy.js';
import { imageName, imageView, type ImageView } from './images.js';
import { NODE_IP, PodBridge } from './pod-bridge.js';
import { PodRunner, type NodeContext } from './pod-runner.js';
import { Timers } from './timers.js';
import type { Pod } from './pod-types.js';

export interface TestNodeOptions {
  /** An admin client of the control plane (the node's own credentials in a real cluster). */
  readonly api: KubeApi;
  /** The API server as the node reaches it, e.g. https://127.0.0.1:17002. */
  readonly server: string;
  readonly name?: string;
  /** Ports on the `kubernetes` Service address for the pods' paths to the API: [first, first + 99]. */
  readonly apiPortBase: number;
  /** Where the node's lines go; default nowhere. */
  readonly log?: (line: string) => void;
  /**
   * The longest wait before restarting a container that keeps exiting: the kubelet's
   * crashLoopBackOff.maxContainerRestartPeriod (KubeletCrashLoopBackOffMax), 300 s by default. A benchmark that
   * kills the same server every few seconds lowers it, as a node configured so would.
   */
  readonly maxRestartBackOffSeconds?: number;
}

const SYNC_MS = 200;
const HEARTBEAT_MS = 10_000;

interface EndpointSlice {
  metadata: { namespace: string; labels?: Record<string, string> };
  endpoints?: { addresses: string[]; hostname?: string }[];
}

/**
 * The kubelet of a test, for the pods the scheduler binds to its Node and only those (testkit/README.md, "The
 * test node"). It registers a Node with room for them and keeps its Lease and Ready condition fresh; it runs each
 * pod with PodRunner, in a network namespace of its own (PodBridge) with a pod IP the API server can reach; and it
 * plays the cluster DNS: each pod's /etc/hosts names every endpoint of the cluster's EndpointSlices as
 * <hostname>.<service>.<namespace>.svc[.cluster.local], kept current from the real EndpointSlice controller.
 */
export class TestNode {
  readonly name: string;
  readonly dir: string;
  readonly #runners = new Map<string, PodRunner>();
  readonly #mountPoints: string[] = [];
  readonly #images = new Map<string, ImageView>();
  readonly #context: NodeContext;
  readonly #apiPorts = new Set<number>();
  readonly #timers = new Timers();
  #stopping = false;
  readonly #hosts = new WeakMap<PodRunner, string>();
  #untrack: () => void = () => {};

  private constructor(
    private readonly options: TestNodeOptions,
    readonly bridge: PodBridge,
  ) {
    this.name = options.name ?? 'test-node';
    // Not under /tmp: the pods mount their own /tmp over it before the folders behind their other mounts.
    this.dir = mkdtempSync(join('/var/tmp', 'mysqlha-node-'));
    const url = new URL(options.server);
    this.#context = {
      api: options.api,
      bridge,
      dir: this.dir,
      apiServer: { host: url.hostname, port: Number(url.port) },
      takeApiPort: () => {
        const port = [...Array(100).keys()].map((i) => options.apiPortBase + i).find((p) => !this.#apiPorts.has(p));
        if (port === undefined) throw new Error(`test node: all 100 ports from ${options.apiPortBase} carry a pod's path to the API`);
        this.#apiPorts.add(port);
        return port;
      },
      releaseApiPort: (port) => void this.#apiPorts.delete(port),
      ensureMountPoint: (path) => this.#ensureMountPoint(path),
      syncDns: () => this.#syncDns(),
      image: (ref) => {
        const name = imageName(ref);
        let view = this.#images.get(name);
        if (!view) {
          view = imageView(ref, this.dir);
          this.#images.set(name, view);
        }
        return view;
      },
      log: options.log ?? (() => {}),
      maxRestartBackOffSeconds: options.maxRestartBackOffSeconds ?? 300,
    };
  }

  static async start(options: TestNodeOptions): Promise<TestNode> {
    const bridge = await PodBridge.create();
    const node = new TestNode(options, bridge);
    try {
      await node.#register();
      const untrack = trackCloser(() => node.stop());
      const onExit = (): void => {
        for (const top of node.#mountPoints) removeEmptyTree(top);
        if (!process.env.MYSQLHA_KEEP_TMP) rmSync(node.dir, { recursive: true, force: true });
      };
      process.once('exit', onExit);
      node.#untrack = () => {
        untrack();
        process.off('exit', onExit);
      };
      node.#loop(HEARTBEAT_MS, () => node.#heartbeat());
      node.#loop(SYNC_MS, () => node.#syncPods());
      node.#loop(SYNC_MS * 2, () => node.#syncDns());
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /**
   * The runner of a pod on this node (its IP, its containers' PIDs, its path to the API): while a pod is being
   * replaced, the one the StatefulSet controller made last.
   */
  pod(name: string): PodRunner {
    const runner = [...this.#runners.values()].reverse().find((r) => r.name === name);
    if (!runner) throw new Error(`test node: no pod ${name} runs here (running: ${this.pods().join(', ') || 'none'})`);
    return runner;
  }

  pods(): string[] {
    return [...new Set([...this.#runners.values()].map((r) => r.name))].sort();
  }

  /**
   * Every line a container of that name wrote in any pod this node ran, deleted pods included, in file order per
   * pod: `pod: line`.
   */
  logLines(container: string): string[] {
    const pods = join(this.dir, 'pods');
    if (!existsSync(pods)) return [];
    return readdirSync(pods).flatMap((dir) => {
      const file = join(pods, dir, 'logs', `${container}.log`);
      const pod = dir.split('_')[1];
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => `${pod}: ${l}`) : [];
    });
  }

  /**
   * The pod's processes killed at once and its network gone, with no hook and no restart, while the Pod object
   * keeps its last status (Ready included): what the API shows of a pod whose node lost power, in the 40 s or so
   * before the node lifecycle controller marks it NotReady. Until someone deletes it, nothing recreates it.
   */
  async crash(pod: string): Promise<void> {
    await this.pod(pod).kill();
  }

  /** The pod's path to the API server: set its mode to partition the pod from the API. */
  apiPath(pod: string): ApiPath {
    const path = this.pod(pod).apiPath;
    if (!path) throw new Error(`test node: pod ${pod} has no network yet`);
    return path;
  }

  /** Runs `fn` every `ms` until the node stops; a failed run is logged and the next one tried. */
  #loop(ms: number, fn: () => Promise<void>): void {
    this.#timers.every(ms, () => fn().catch((err: Error) => this.#context.log(`node: ${err.message}`)));
  }

  async #register(): Promise<void> {
    const api = this.options.api;
    const labels = { 'kubernetes.io/hostname': this.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
    const created = await api.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: this.name, labels } } });
    if (created.status >= 300 && created.status !== 409) throw new Error(`test node: registering Node ${this.name}: ${created.status} ${JSON.stringify(created.body)}`);
    await this.#heartbeat();
  }

  /** The Node's Lease and Ready condition, so the node lifecycle controller never taints or evicts. */
  async #heartbeat(): Promise<void> {
    const api = this.options.api;
    const now = new Date().toISOString();
    const micro = now.replace('Z', '000Z');
    const capacity = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
    const ready = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now };
    await api.expect('PATCH', `/api/v1/nodes/${this.name}/status`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { status: { capacity, allocatable: capacity, conditions: [ready], addresses: [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: this.name }], nodeInfo: { kubeletVersion: 'v1.35.0', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'testnode://1', kernelVersion: '', osImage: 'test node', kubeProxyVersion: '', machineID: '', systemUUID: '', bootID: '' } } },
    });
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: 'kube-node-lease' }, spec: { holderIdentity: this.name, leaseDurationSeconds: 40, renewTime: micro } };
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.name}`;
    const current = await api.request('GET', path);
    if (current.status === 404) await api.expect('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { body: lease });
    else await api.expect('PUT', path, { body: { ...lease, metadata: { ...lease.metadata, resourceVersion: (current.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion } } });
  }

  async #syncPods(): Promise<void> {
    const res = await this.options.api.expect('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.name}`)}`);
    const pods = (res.body as { items: Pod[] }).items;
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata.uid;
      seen.add(uid);
      let runner = this.#runners.get(uid);
      if (!runner && !pod.metadata.deletionTimestamp) {
        runner = new PodRunner(this.#context, pod);
        this.#runners.set(uid, runner);
      }
      if (runner && pod.metadata.deletionTimestamp) {
        void runner
          .terminate(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30)
          .catch((err: Error) => this.#context.log(`${pod.metadata.name}: termination failed: ${err.message}`))
          .finally(() => this.#runners.delete(uid));
      }
    }
    for (const [uid, runner] of this.#runners) {
      if (!seen.has(uid)) {
        this.#runners.delete(uid);
        await runner.kill();
      }
    }
  }

  /** The cluster DNS of these pods, from the EndpointSlices the real controller keeps. */
  async #syncDns(): Promise<void> {
    const res = await this.options.api.expect('GET', '/apis/discovery.k8s.io/v1/endpointslices');
    const lines: string[] = [];
    for (const slice of (res.body as { items: EndpointSlice[] }).items) {
      const service = slice.metadata.labels?.['kubernetes.io/service-name'];
      if (!service) continue;
      for (const e of slice.endpoints ?? []) {
        if (!e.hostname || !e.addresses[0]) continue;
        const fqdn = `${e.hostname}.${service}.${slice.metadata.namespace}.svc`;
        lines.push(`${e.addresses[0]}\t${fqdn} ${fqdn}.cluster.local`);
      }
    }
    const cluster = lines.sort().join('\n');
    for (const runner of this.#runners.values()) {
      if (!runner.podIp) continue;
      const text = `127.0.0.1\tlocalhost\n${runner.podIp}\t${runner.pod.spec.hostname ?? runner.name}\n${cluster}\n`;
      if (this.#hosts.get(runner) === text) continue;
      try {
        this.bridge.writeHosts(runner.name, text);
        this.#hosts.set(runner, text);
      } catch {
        // its network went away in between
      }
    }
  }

  #ensureMountPoint(path: string): void {
    if (path === '/run' || path.startsWith('/run/') || path.startsWith('/var/run/') || existsSync(path)) return;
    let top = path;
    while (!existsSync(dirname(top))) top = dirname(top);
    mkdirSync(path, { recursive: true });
    this.#mountPoints.push(top);
  }

  /** Kills every pod at once (no hooks: the machine went away), removes the network and the node's folders. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#untrack();
    this.#timers.stop();
    await Promise.all([...this.#runners.values()].map((r) => r.kill()));
    this.#runners.clear();
    await this.bridge.close();
    for (const top of this.#mountPoints.reverse()) removeEmptyTree(top);
    if (!process.env.MYSQLHA_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Removes the folders the node created, as far as they are still empty. */
function removeEmptyTree(path: string): void {
  try {
    for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyTree(join(path, entry.name));
    rmdirSync(path);
  } catch {
    // not empty (something else put a file there) or gone: left as it is
  }
}
