import type mysql from 'mysql2/promise';
import { now } from '../util/clock.js';
import { BackgroundLoop } from './background-loop.js';
import { sleep } from '../util/wait.js';

export interface WritableOverlap {
  /** Every server writable during the interval. */
  servers: string[];
  from: number;
  to: number;
  ms: number;
}

/** A server the watcher can sample: a MariaServer of the harness, or a pod of a cluster on the control plane. */
export interface Watched {
  readonly name: string;
  isRunning(): boolean;
  connect(options: { connectTimeoutMs: number }): Promise<mysql.Connection>;
}

/**
 * Samples `@@read_only` on every running server every `intervalMs` and records each interval in which more
 * than one was writable. A server that is down or does not answer within the timeout counts as not writable.
 */
export class WritableWatcher extends BackgroundLoop {
  readonly overlaps: WritableOverlap[] = [];
  samples = 0;
  /** Successful reads of `@@read_only` per server: a server that never answered was never judged. */
  readonly reads = new Map<string, number>();
  #writable: string[] = [];
  #open: { servers: Set<string>; from: number } | undefined;
  #connections = new Map<string, mysql.Connection>();

  constructor(
    readonly servers: Watched[],
    readonly options: { intervalMs?: number; timeoutMs?: number } = {},
  ) {
    super();
  }

  protected override cleanup(): void {
    this.#close(now());
    for (const connection of this.#connections.values()) connection.destroy();
    this.#connections.clear();
  }

  /** Servers writable at the last sample. */
  writableNow(): string[] {
    return [...this.#writable];
  }

  /** Total milliseconds with more than one writable server (an interval still open counts up to now). */
  totalOverlapMs(): number {
    const open = this.#open ? now() - this.#open.from : 0;
    return this.overlaps.reduce((sum, overlap) => sum + overlap.ms, open);
  }

  protected override async run(): Promise<void> {
    const { intervalMs = 20 } = this.options;
    while (this.running) {
      const started = now();
      const states = await Promise.all(this.servers.map(async (server) => ((await this.#isWritable(server)) ? server.name : undefined)));
      const time = now();
      this.#writable = states.filter((name): name is string => name !== undefined);
      this.samples += 1;
      if (this.#writable.length > 1) {
        if (this.#open) for (const name of this.#writable) this.#open.servers.add(name);
        else this.#open = { servers: new Set(this.#writable), from: started };
      } else {
        this.#close(time);
      }
      await sleep(Math.max(0, intervalMs - (now() - started)));
    }
  }

  #close(time: number): void {
    if (!this.#open) return;
    this.overlaps.push({ servers: [...this.#open.servers].sort(), from: this.#open.from, to: time, ms: time - this.#open.from });
    this.#open = undefined;
  }

  async #isWritable(server: Watched): Promise<boolean> {
    if (!server.isRunning()) {
      this.#drop(server.name);
      return false;
    }
    const timeout = this.options.timeoutMs ?? 200;
    try {
      let connection = this.#connections.get(server.name);
      if (!connection) {
        connection = await server.connect({ connectTimeoutMs: timeout });
        connection.on('error', () => {});
        this.#connections.set(server.name, connection);
      }
      const [rows] = await connection.query({ sql: 'SELECT @@read_only AS ro', timeout });
      this.reads.set(server.name, (this.reads.get(server.name) ?? 0) + 1);
      return Number((rows as { ro: number }[])[0]?.ro) === 0;
    } catch {
      this.#drop(server.name);
      return false;
    }
  }

  #drop(name: string): void {
    this.#connections.get(name)?.destroy();
    this.#connections.delete(name);
  }
}
