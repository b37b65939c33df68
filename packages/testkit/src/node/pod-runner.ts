import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeApi } from '@mysqlha/kube-tools';
import { isAlive } from '../process/registry.js';
import { ApiPath } from './api-proxy.js';
import { containerSpec } from './container-spec.js';
import { execInContainer, startContainer, timerMs, type ContainerSpec } from './container.js';
import type { ImageView } from './images.js';
import { API_SERVICE_IP, NODE_IP, type PodBridge } from './pod-bridge.js';
import type { Container, Pod, Probe } from './pod-types.js';
import { httpGet, portNumber, ProbeRunner, tcpOpen } from './probes.js';
import { Timers } from './timers.js';
import { PodVolumes } from './volumes.js';

/** What a pod's runner needs from its node. */
export interface NodeContext {
  readonly api: KubeApi;
  readonly bridge: PodBridge;
  /** The node's work folder; each pod gets `pods/<namespace>_<name>_<uid>` under it. */
  readonly dir: string;
  /** The API server on loopback, behind each pod's own path to it. */
  readonly apiServer: { host: string; port: number };
  /** A free port on the `kubernetes` Service address for this pod's path to the API, and its return. */
  readonly takeApiPort: () => number;
  readonly releaseApiPort: (port: number) => void;
  /** Writes every pod's /etc/hosts from the EndpointSlices now. */
  readonly syncDns: () => Promise<void>;
  /** What a container of the image sees (built once per image: pods start concurrently). */
  readonly image: (ref: string) => ImageView;
  /** Creates a mount point outside /run that the host lacks (removed when the node stops). */
  readonly ensureMountPoint: (path: string) => void;
  readonly log: (line: string) => void;
  /** The longest restart back-off (the kubelet's crashLoopBackOff.maxContainerRestartPeriod). */
  readonly maxRestartBackOffSeconds: number;
}

type State =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; signal?: number; reason: string; startedAt?: string; finishedAt: string } };

interface Run {
  readonly c: Container;
  readonly init: boolean;
  spec?: ContainerSpec;
  child?: ChildProcess;
  restartCount: number;
  state: State;
  lastState?: State;
  ready: boolean;
  started: boolean;
  probes: ProbeRunner[];
  crashes: number;
  runningSince: number;
}

const BACKOFF_S = [0, 10, 20, 40, 80, 160, 300];
/** Running this long without exiting forgets earlier crashes, as the kubelet's backoff does. */
const BACKOFF_RESET_MS = 10 * 60_000;
const VOLUME_RESYNC_MS = 5_000;

const iso = (): string => new Date().toISOString();

/**
 * One pod on the test node, as the kubelet runs it: network and volumes first, then each init container to
 * completion in order, then the containers, each restarted by restartPolicy with the kubelet's back-off; its
 * startup, readiness and liveness probes; the pod's status (phase, IP, container statuses, the Initialized,
 * ContainersReady and Ready conditions) patched to the API as it changes; and on deletion the preStop hooks,
 * SIGTERM, the grace period, SIGKILL, then the final delete that frees the name for the StatefulSet controller.
 */
export class PodRunner {
  readonly #runs: Run[];
  #podIp = '';
  #apiPath: ApiPath | undefined;
  #volumes: PodVolumes;
  #terminating = false;
  #initialized = false;
  #stopped = false;
  #statusDirty = false;
  #statusPushing: Promise<void> | undefined;
  readonly #timers = new Timers();
  readonly #conditions = new Map<string, { status: string; at: string }>();
  readonly #startTime = iso();
  readonly #dir: string;
  #termination: Promise<void> | undefined;
  #network: Promise<void> | undefined;

  constructor(
    private readonly node: NodeContext,
    readonly pod: Pod,
  ) {
    const m = pod.metadata;
    this.#dir = join(node.dir, 'pods', `${m.namespace}_${m.name}_${m.uid}`);
    this.#volumes = new PodVolumes(node.api, pod, this.#dir);
    const blank = (c: Container, init: boolean): Run => ({ c, init, restartCount: 0, state: { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } }, ready: false, started: false, probes: [], crashes: 0, runningSince: 0 });
    this.#runs = [...(pod.spec.initContainers ?? []).map((c) => blank(c, true)), ...pod.spec.containers.map((c) => blank(c, false))];
    void this.#run().catch((err: Error) => node.log(`${this.name}: ${err.message}`));
  }

  get name(): string {
    return this.pod.metadata.name;
  }

  get podIp(): string {
    return this.#podIp;
  }

  get apiPath(): ApiPath | undefined {
    return this.#apiPath;
  }

  /** The container's current process id, for a test that kills or freezes it. */
  pid(container: string): number | undefined {
    const child = this.#runs.find((r) => r.c.name === container && !r.init)?.child;
    return child && isAlive(child) ? child.pid : undefined;
  }

  logFile(container: string): string {
    return join(this.#dir, 'logs', `${container}.log`);
  }

  async #run(): Promise<void> {
    mkdirSync(join(this.#dir, 'logs'), { recursive: true });
    this.#network = (async () => {
      this.#podIp = await this.node.bridge.addPod(this.name);
      this.#apiPath = await ApiPath.start(API_SERVICE_IP, this.node.takeApiPort(), this.node.apiServer);
    })();
    await this.#network;
    if (this.#terminating) return;
    // The cluster DNS answers from a pod's first process on, as CoreDNS does.
    await this.node.syncDns();
    this.#touch();
    while (!this.#terminating) {
      try {
        await this.#volumes.setUp();
        break;
      } catch (err) {
        this.node.log(`${this.name}: volumes not ready: ${(err as Error).message}`);
        await this.#timers.sleep(1000);
      }
    }
    this.#timers.every(VOLUME_RESYNC_MS, () => this.#volumes.refresh().catch((err: Error) => this.node.log(`${this.name}: volume resync: ${err.message}`)));
    for (const run of this.#runs.filter((r) => r.init)) {
      while (!this.#terminating) {
        const code = await this.#runOnce(run);
        if (code === 0) break;
        await this.#timers.sleep(this.#backoff(run));
      }
    }
    if (this.#terminating) return;
    this.#initialized = true;
    this.#touch();
    for (const run of this.#runs.filter((r) => !r.init)) void this.#supervise(run);
  }

  /** Restarts a container whenever it exits, as restartPolicy Always says, until the pod terminates. */
  async #supervise(run: Run): Promise<void> {
    while (!this.#terminating) {
      await this.#runOnce(run);
      if (this.#terminating || this.pod.spec.restartPolicy === 'Never') return;
      await this.#timers.sleep(this.#backoff(run));
    }
  }

  #backoff(run: Run): number {
    if (Date.now() - run.runningSince > BACKOFF_RESET_MS) run.crashes = 0;
    const s = Math.min(BACKOFF_S[Math.min(run.crashes, BACKOFF_S.length - 1)]!, this.node.maxRestartBackOffSeconds);
    run.crashes += 1;
    if (s > 0) run.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${s}s restarting failed container=${run.c.name} pod=${this.name}` } };
    this.#touch();
    return s * 1000;
  }

  /** Starts the container once and resolves with its exit code when it ends. */
  async #runOnce(run: Run): Promise<number | null> {
    if (run.state && 'terminated' in run.state) run.lastState = run.state;
    if (run.child) run.restartCount += 1;
    const spec = await containerSpec(this.node, this.pod, run.c, {
      volumes: this.#volumes,
      podIp: this.#podIp,
      apiPort: this.#apiPath!.port,
      logFile: this.logFile(run.c.name),
    });
    // Deleted while the spec was read: a process started now would never be signalled.
    if (this.#terminating) return null;
    run.spec = spec;
    const child = startContainer(spec);
    run.child = child;
    run.runningSince = Date.now();
    const startedAt = iso();
    run.state = { running: { startedAt } };
    run.ready = false;
    run.started = !run.c.startupProbe;
    this.#touch();
    if (!run.init) this.#startProbes(run, child);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    for (const p of run.probes) p.stop();
    run.probes = [];
    run.ready = false;
    const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
    run.state = { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: iso() } };
    this.node.log(`${this.name}/${run.c.name} exited ${code ?? signal}`);
    this.#touch();
    return code;
  }

  #startProbes(run: Run, child: ChildProcess): void {
    const attempt = (probe: Probe, timeoutMs: number): Promise<boolean> => this.#probe(run, child, probe, timeoutMs);
    const readiness = run.c.readinessProbe
      ? new ProbeRunner(run.c.readinessProbe, attempt, (ok) => {
          run.ready = ok;
          this.#touch();
        }, false)
      : undefined;
    const liveness = run.c.livenessProbe
      ? new ProbeRunner(run.c.livenessProbe, attempt, (ok) => {
          if (!ok) void this.#stopContainer(run, child, `liveness probe failed`);
        }, true)
      : undefined;
    const afterStart = (): void => {
      run.started = true;
      if (!readiness) run.ready = true;
      this.#touch();
      for (const p of [readiness, liveness]) p?.start();
    };
    run.probes = [readiness, liveness].filter((p): p is ProbeRunner => p !== undefined);
    if (run.c.startupProbe) {
      const startup: ProbeRunner = new ProbeRunner(run.c.startupProbe, attempt, (ok) => {
        startup.stop();
        if (ok) afterStart();
        else void this.#stopContainer(run, child, 'startup probe failed');
      }, false);
      run.probes.push(startup);
      startup.start();
    } else {
      afterStart();
    }
  }

  #probe(run: Run, child: ChildProcess, probe: Probe, timeoutMs: number): Promise<boolean> {
    if (probe.exec) return execInContainer(child.pid!, run.spec!, probe.exec.command, timeoutMs).then((r) => r.code === 0);
    if (probe.httpGet) return httpGet(this.#podIp, portNumber(run.c, probe.httpGet.port), probe.httpGet.path ?? '/', timeoutMs);
    if (probe.tcpSocket) return tcpOpen(this.#podIp, portNumber(run.c, probe.tcpSocket.port), timeoutMs);
    return Promise.resolve(true);
  }

  /** The kubelet's kill: preStop hook, SIGTERM, what is left of the grace period, SIGKILL. */
  async #stopContainer(run: Run, child: ChildProcess, why: string, graceMs?: number): Promise<void> {
    if (!isAlive(child)) return;
    this.node.log(`${this.name}/${run.c.name}: stopping: ${why}`);
    const grace = graceMs ?? (this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadline = Date.now() + grace;
    const preStop = run.c.lifecycle?.preStop?.exec?.command;
    if (preStop && run.spec) {
      const hook = await execInContainer(child.pid!, run.spec, preStop, grace);
      if (hook.code !== 0) this.node.log(`${this.name}/${run.c.name}: preStop hook exited ${hook.code}: ${hook.output.trim()}`);
    }
    const exited = new Promise<void>((resolve) => (isAlive(child) ? child.once('exit', () => resolve()) : resolve()));
    signal(child.pid!, 'SIGTERM');
    // As the kubelet does after a hook that used up the grace period: two more seconds.
    const left = Math.max(deadline - Date.now(), 2_000);
    const timer = setTimeout(() => signal(-child.pid!, 'SIGKILL'), timerMs(left));
    await exited;
    clearTimeout(timer);
  }

  /** Deletion: every container stopped within the grace period, the pod's network gone, then the final delete. */
  terminate(graceSeconds: number): Promise<void> {
    this.#termination ??= this.#terminate(graceSeconds);
    return this.#termination;
  }

  async #terminate(graceSeconds: number): Promise<void> {
    this.#terminating = true;
    this.#touch();
    const graceMs = graceSeconds * 1000;
    await Promise.all(this.#runs.map(async (run) => (run.child ? this.#stopContainer(run, run.child, 'pod deleted', graceMs) : undefined)));
    await this.#release();
    const m = this.pod.metadata;
    this.node.log(`${this.name}: containers stopped, network released; deleting the pod`);
    // Retried until the API server takes it: a pod left Terminating would stall its StatefulSet for good.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.node.api.request('DELETE', `/api/v1/namespaces/${m.namespace}/pods/${m.name}`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: m.uid } },
        });
        // 404: gone; 409: the name already belongs to a new pod (its uid differs).
        if (res.status < 300 || res.status === 404 || res.status === 409) return;
        this.node.log(`${this.name}: final delete answered ${res.status} ${JSON.stringify(res.body)}; retrying`);
      } catch (err) {
        this.node.log(`${this.name}: final delete failed: ${(err as Error).message}; retrying`);
      }
      await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2_000)));
    }
  }

  /** The node stops, or the pod vanished from the API: everything killed now, no hooks. */
  async kill(): Promise<void> {
    this.#terminating = true;
    for (const run of this.#runs) if (run.child?.pid && isAlive(run.child)) signal(-run.child.pid, 'SIGKILL');
    await Promise.all(this.#runs.map((run) => (run.child && isAlive(run.child) ? new Promise((r) => run.child!.once('exit', r)) : undefined)));
    await this.#release();
  }

  async #release(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timers.stop();
    for (const run of this.#runs) for (const p of run.probes) p.stop();
    // A pod deleted while its network was being set up: release what the setup made.
    await this.#network?.catch(() => undefined);
    if (this.#apiPath) {
      await this.#apiPath.close();
      this.node.releaseApiPort(this.#apiPath.port);
    }
    await this.node.bridge.removePod(this.name);
  }

  /** Marks the status changed and pushes it; pushes never overlap, and the last change always lands. */
  #touch(): void {
    this.#statusDirty = true;
    if (this.#statusPushing) return;
    this.#statusPushing = (async () => {
      while (this.#statusDirty && !this.#stopped) {
        this.#statusDirty = false;
        try {
          await this.#pushStatus();
        } catch (err) {
          this.node.log(`${this.name}: status update failed: ${(err as Error).message}`);
          this.#statusDirty = true;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })().finally(() => (this.#statusPushing = undefined));
  }

  async #pushStatus(): Promise<void> {
    const inits = this.#runs.filter((r) => r.init);
    const mains = this.#runs.filter((r) => !r.init);
    const containersReady = !this.#terminating && mains.every((r) => r.ready);
    const running = mains.some((r) => 'running' in r.state);
    const cond = (type: string, ok: boolean) => {
      const status = ok ? 'True' : 'False';
      const last = this.#conditions.get(type);
      if (last?.status !== status) this.#conditions.set(type, { status, at: iso() });
      return { type, status, lastTransitionTime: this.#conditions.get(type)!.at };
    };
    const statusOf = (r: Run) => ({
      name: r.c.name,
      image: r.c.image,
      imageID: r.c.image,
      containerID: `testnode://${this.pod.metadata.uid}/${r.c.name}/${r.restartCount}`,
      ready: r.init ? 'terminated' in r.state && r.state.terminated.exitCode === 0 : r.ready,
      started: r.init ? false : r.started,
      restartCount: r.restartCount,
      state: r.state,
      lastState: r.lastState ?? {},
    });
    const status = {
      phase: this.#initialized && running ? 'Running' : 'Pending',
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: this.#podIp,
      podIPs: [{ ip: this.#podIp }],
      startTime: this.#startTime,
      conditions: [cond('PodReadyToStartContainers', this.#podIp !== ''), cond('Initialized', this.#initialized), cond('ContainersReady', containersReady), cond('Ready', containersReady)],
      initContainerStatuses: inits.map(statusOf),
      containerStatuses: mains.map(statusOf),
    };
    const m = this.pod.metadata;
    const res = await this.node.api.request('PATCH', `/api/v1/namespaces/${m.namespace}/pods/${m.name}/status`, {
      body: { metadata: { uid: m.uid }, status },
      contentType: 'application/strategic-merge-patch+json',
    });
    // Gone, or the name now belongs to a new pod (the uid in the patch no longer matches): nothing to report.
    if (res.status === 404 || res.status === 409) return;
    if (res.status >= 300) throw new Error(`PATCH status: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
