import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SpawnWrap } from '../net/pod-network.js';
import { isAlive, killAndWait, terminateAndWait, trackChild } from '../process/registry.js';
import { tailFile } from '../util/files.js';
import { portIsFree } from '../util/port-free.js';
import { sleep } from '../util/wait.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 30_000;

export interface AgentProcessOptions {
  name: string;
  namespace: string;
  agentBin: string;
  configFile: string;
  secretsDir: string;
  runDir: string;
  logFile: string;
  httpPort: number;
  clonePort: number;
  metricsPort: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `agent run` process for one pod, configured only through its agent.yaml and the pod's environment. */
export class AgentProcess {
  readonly name: string;
  readonly httpPort: number;
  readonly clonePort: number;
  readonly metricsPort: number;
  readonly configFile: string;
  readonly runDir: string;
  readonly logFile: string;
  /** Set when the pod's processes must start inside its network cgroup (PodNetwork). */
  spawnWrap: SpawnWrap | undefined;
  #child: ChildProcess | undefined;

  constructor(readonly options: AgentProcessOptions) {
    this.name = options.name;
    this.httpPort = options.httpPort;
    this.clonePort = options.clonePort;
    this.metricsPort = options.metricsPort;
    this.configFile = options.configFile;
    this.runDir = options.runDir;
    this.logFile = options.logFile;
  }

  get pid(): number | undefined {
    return this.isRunning() ? this.#child?.pid : undefined;
  }

  isRunning(): boolean {
    return this.#child !== undefined && isAlive(this.#child);
  }

  /** The pod's environment (docs/runtime.md); nothing else of the test process leaks in. */
  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POD_NAME: this.name,
      POD_NAMESPACE: this.options.namespace,
      POD_IP: '127.0.0.1',
      MYSQLHA_CONFIG: this.configFile,
      MYSQLHA_SECRETS_DIR: this.options.secretsDir,
    };
  }

  /** Starts `agent run` (output appended to logFile) and resolves once its HTTP server answers /status. */
  async start(): Promise<void> {
    if (this.isRunning()) throw new Error(`agent ${this.name}: already running (pid ${this.#child?.pid})`);
    for (const port of [this.httpPort, this.clonePort, this.metricsPort]) {
      if (!(await portIsFree(port))) throw new Error(`agent ${this.name}: port ${port} on 127.0.0.1 is already in use by another process`);
    }
    const log = openSync(this.logFile, 'a');
    const cmd = this.spawnWrap ? this.spawnWrap(process.execPath, [this.options.agentBin, 'run']) : { command: process.execPath, args: [this.options.agentBin, 'run'] };
    const child = spawn(cmd.command, cmd.args, { env: this.env(), stdio: ['ignore', log, log] });
    closeSync(log);
    trackChild(child);
    this.#child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!isAlive(child)) {
        throw new Error(`agent ${this.name}: exited (code ${child.exitCode}, signal ${child.signalCode}) while starting; ${this.logFile}:\n${this.logTail(30)}`);
      }
      if (await this.#answers()) return;
      if (Date.now() > deadline) {
        await killAndWait(child);
        throw new Error(`agent ${this.name}: /status not answering on port ${this.httpPort} after ${START_TIMEOUT_MS} ms; ${this.logFile}:\n${this.logTail(30)}`);
      }
      await sleep(50);
    }
  }

  /** SIGTERM (the agent hands over the Lease if it holds it) and wait for exit; SIGKILL after a minute. */
  async stop(): Promise<void> {
    if (this.#child) await terminateAndWait(this.#child);
  }

  async kill9(): Promise<void> {
    if (this.#child) await killAndWait(this.#child);
  }

  /** SIGSTOP: the agent freezes (a stop-the-world pause, a stalled node), its sockets stay open. */
  pause(): void {
    if (this.#child?.pid !== undefined) process.kill(this.#child.pid, 'SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.#child?.pid !== undefined) process.kill(this.#child.pid, 'SIGCONT');
  }

  /** GET /status as JSON; rejects on a non-2xx answer or after timeoutMs. */
  async status<T = Record<string, unknown>>(timeoutMs = 2_000): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`agent ${this.name}: GET /status answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Runs another agent sub-command (e.g. `switchover --to mysql-1`, `status`) in this pod's environment. */
  async cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [this.options.agentBin, ...args], { env: this.env(), timeout: timeoutMs });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number | string; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
    }
  }

  logTail(lines = 40): string {
    return tailFile(this.logFile, lines);
  }

  async #answers(): Promise<boolean> {
    try {
      await this.status(500);
      return true;
    } catch {
      return false;
    }
  }
}
