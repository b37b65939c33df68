import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MysqlTlsFiles } from '@mysqlha/kube-tools';
import mysql from 'mysql2/promise';
import { isAlive, killAndWait, terminateAndWait, trackChild } from '../process/registry.js';
import { tailFile } from '../util/files.js';
import { portIsFree } from '../util/port-free.js';
import { sleep } from '../util/wait.js';
import type { SpawnWrap } from '../net/pod-network.js';
import type { Secrets } from './secrets.js';

export interface MariaServerPaths {
  dir: string;
  dataDir: string;
  socketPath: string;
  pidFile: string;
  configFile: string;
  errorLog: string;
  /** The cluster's TLS files; undefined: the server takes plain TCP. */
  tls?: MysqlTlsFiles;
}

const START_TIMEOUT_MS = 60_000;

/** One real mariadbd on 127.0.0.1, started from its own my.cnf, as pod `name` of the StatefulSet would run it. */
export class MariaServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly socketPath: string;
  readonly pidFile: string;
  readonly configFile: string;
  readonly errorLog: string;
  readonly tls: MysqlTlsFiles | undefined;
  /** Set when the pod's processes must start inside its network cgroup (PodNetwork). */
  spawnWrap: SpawnWrap | undefined;
  #child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly ordinal: number,
    readonly port: number,
    readonly secrets: Secrets,
    paths: MariaServerPaths,
  ) {
    this.dir = paths.dir;
    this.dataDir = paths.dataDir;
    this.socketPath = paths.socketPath;
    this.pidFile = paths.pidFile;
    this.configFile = paths.configFile;
    this.errorLog = paths.errorLog;
    this.tls = paths.tls;
  }

  get pid(): number | undefined {
    return this.isRunning() ? this.#child?.pid : undefined;
  }

  isRunning(): boolean {
    return this.#child !== undefined && isAlive(this.#child);
  }

  /** Starts mariadbd and resolves once it answers queries; rejects with the error log's tail if it dies. */
  async start(): Promise<void> {
    if (this.isRunning()) throw new Error(`${this.name}: already running (pid ${this.#child?.pid})`);
    // Readiness is a login on the port, so another process answering there would pass for this server.
    if (!(await portIsFree(this.port))) throw new Error(`${this.name}: port ${this.port} on 127.0.0.1 is already in use by another process`);
    const cmd = this.spawnWrap ? this.spawnWrap('mariadbd', [`--defaults-file=${this.configFile}`]) : { command: 'mariadbd', args: [`--defaults-file=${this.configFile}`] };
    const child = spawn(cmd.command, cmd.args, { stdio: 'ignore' });
    trackChild(child);
    this.#child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!isAlive(child)) {
        throw new Error(
          `${this.name}: mariadbd exited (code ${child.exitCode}, signal ${child.signalCode}) while starting on port ${this.port}; ${this.errorLog}:\n${tailFile(this.errorLog, 25)}`,
        );
      }
      const answer = await this.ping();
      if (answer === 'refused') {
        await killAndWait(child);
        throw new Error(`${this.name}: answers on port ${this.port} but refuses root@127.0.0.1 with the password in ${this.secrets.dir}/root-password (a datadir not initialised by startServers?)`);
      }
      if (answer === 'ready') return;
      if (Date.now() > deadline) {
        await killAndWait(child);
        throw new Error(`${this.name}: not answering on port ${this.port} after ${START_TIMEOUT_MS} ms; ${this.errorLog}:\n${tailFile(this.errorLog, 25)}`);
      }
      await sleep(25);
    }
  }

  /** Clean shutdown (SIGTERM), waiting for mariadbd to exit; SIGKILL if it takes longer than a minute. */
  async stop(): Promise<void> {
    if (this.#child) await terminateAndWait(this.#child);
  }

  /** A crash: SIGKILL, resolving once the process is gone. */
  async kill9(): Promise<void> {
    if (this.#child) await killAndWait(this.#child);
  }

  /**
   * A connection over TCP, as root unless another user is given, over TLS verified against the cluster's CA when the
   * server has a certificate (`plaintext` forces plain TCP, which such a server refuses); the caller ends it.
   */
  connect(options: { user?: string; password?: string; connectTimeoutMs?: number; database?: string; plaintext?: boolean } = {}): Promise<mysql.Connection> {
    const ca = this.tls && !options.plaintext ? readFileSync(this.tls.ca) : undefined;
    return mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: options.user ?? 'root',
      password: options.password ?? this.secrets.rootPassword,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      ...(options.database ? { database: options.database } : {}),
      ...(ca ? { ssl: { ca, verifyIdentity: true } } : {}),
    });
  }

  /** Runs one statement as root on a fresh connection and returns its rows (placeholders are escaped client-side). */
  async query<T = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
    const connection = await this.connect();
    try {
      const [rows] = await connection.query(sql, values);
      return rows as T[];
    } finally {
      connection.destroy();
    }
  }

  /** The first column of the first row of `sql`. */
  async value<T = unknown>(sql: string, values: unknown[] = []): Promise<T> {
    const [row] = await this.query<Record<string, unknown>>(sql, values);
    if (!row) throw new Error(`${this.name}: no row from ${sql}`);
    return Object.values(row)[0] as T;
  }

  errorLogTail(lines = 40): string {
    return tailFile(this.errorLog, lines);
  }

  private async ping(): Promise<'ready' | 'refused' | 'down'> {
    try {
      const connection = await this.connect({ connectTimeoutMs: 500 });
      connection.destroy();
      return 'ready';
    } catch (error) {
      const code = (error as { code?: string }).code;
      return code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_HOST_NOT_PRIVILEGED' ? 'refused' : 'down';
    }
  }
}
