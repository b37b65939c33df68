import type mysql from 'mysql2/promise';
import type { FakeKube } from '../kube/fake-kube.js';
import { CHECK_TABLE } from '../mariadb/bootstrap-sql.js';
import type { MariaServer } from '../mariadb/server.js';
import { now } from '../util/clock.js';
import { BackgroundLoop } from './background-loop.js';
import { sleep, waitFor } from '../util/wait.js';
import { connectAsChecker } from './checker-connection.js';

export interface AckedWrite {
  id: number;
  /** When the commit was acknowledged to the client (now()). */
  at: number;
  /** The pod the write went to. */
  pod: string;
}

/** Where an application's next write goes, and how it connects there. */
export interface WriteRoute {
  /** The pod a new connection goes to now; undefined while there is none to route to. */
  target(): string | undefined;
  connect(pod: string, timeoutMs: number): Promise<mysql.Connection>;
  /** The table written to: (id BIGINT PRIMARY KEY, payload VARCHAR). */
  readonly table: string;
}

export interface WriteLoadOptions {
  /** The route; default: the pod the fake API labels leader (or `pinTo`), connected to as the checker user. */
  route?: WriteRoute;
  kube?: FakeKube;
  servers?: MariaServer[];
  /** Pause between writes; default 5 ms. */
  intervalMs?: number;
  /** Per-query and per-connect timeout; default 500 ms. */
  timeoutMs?: number;
  /** First id written; default derived from the clock so that successive loads never collide. */
  firstId?: number;
  /**
   * A pooled client that keeps its connection to one server whatever the labels say (as an application holding
   * a connection to the old leader does): every write goes to this pod, reconnecting to it after an error.
   */
  pinTo?: string;
}

function fakeKubeRoute(options: WriteLoadOptions): WriteRoute {
  const { kube, servers, pinTo } = options;
  if (!kube || !servers) throw new Error('WriteLoad: give a route, or the fake API and its servers');
  return {
    target: () => pinTo ?? kube.leader(),
    connect: (pod, timeoutMs) => {
      const server = servers.find((s) => s.name === pod);
      if (!server) throw new Error(`no server for pod ${pod}`);
      return connectAsChecker(server, timeoutMs);
    },
    table: CHECK_TABLE,
  };
}

/**
 * An application writing through the leader Service: each insert goes to the pod its route names (by default the
 * pod the fake API labels leader, ROLE_LABEL; a new connection when that changes, as a Service routes new
 * connections), with a short timeout, reconnecting after any error. Every acknowledged id is recorded with its
 * time and pod. With `pinTo` it is instead a pooled client holding a direct connection to one server.
 */
export class WriteLoad extends BackgroundLoop {
  readonly acked: AckedWrite[] = [];
  errors = 0;
  lastError: string | undefined;
  /** Attempts made while no single pod was labelled leader (nothing to route to). */
  unrouted = 0;
  #nextId: number;
  #connection: { pod: string; connection: mysql.Connection } | undefined;
  readonly #route: WriteRoute;

  constructor(readonly options: WriteLoadOptions) {
    super();
    this.#route = options.route ?? fakeKubeRoute(options);
    this.#nextId = options.firstId ?? Math.floor(Date.now()) * 1000;
  }

  protected override cleanup(): void {
    this.#disconnect();
  }

  ackedIds(): number[] {
    return this.acked.map((write) => write.id);
  }

  /** The first write acknowledged after `time`, optionally only on `on` or on any pod but `notOn`. */
  firstAckAfter(time: number, filter: { on?: string; notOn?: string } = {}): AckedWrite | undefined {
    return this.acked.find((w) => w.at > time && (filter.on === undefined || w.pod === filter.on) && (filter.notOn === undefined || w.pod !== filter.notOn));
  }

  waitForAckAfter(time: number, filter: { on?: string; notOn?: string; timeoutMs?: number } = {}): Promise<AckedWrite> {
    return waitFor(
      `a write acknowledged after ${new Date(time).toISOString()}${filter.on ? ` on ${filter.on}` : ''}${filter.notOn ? ` not on ${filter.notOn}` : ''} (errors so far: ${this.errors}, last: ${this.lastError ?? 'none'})`,
      () => this.firstAckAfter(time, filter),
      { timeoutMs: filter.timeoutMs ?? 60_000, intervalMs: 10 },
    );
  }

  /** The times between consecutive acknowledgements within [from, to], its edges included, in order. */
  gaps(from: number, to: number): number[] {
    const times = [from, ...this.acked.filter((w) => w.at > from && w.at <= to).map((w) => w.at), to];
    return times.slice(1).map((t, i) => t - times[i]!);
  }

  /** The longest time between consecutive acknowledgements within [from, to], its edges included. */
  longestGap(from: number, to: number): number {
    return this.gaps(from, to).reduce((a, g) => Math.max(a, g), 0);
  }

  protected override async run(): Promise<void> {
    const { intervalMs = 5, timeoutMs = 500 } = this.options;
    while (this.running) {
      const pod = this.#route.target();
      if (pod === undefined) {
        this.unrouted += 1;
        this.#disconnect();
        await sleep(intervalMs);
        continue;
      }
      const id = this.#nextId++;
      try {
        const connection = await this.#connectionTo(pod, timeoutMs);
        await connection.query({ sql: `INSERT INTO ${this.#route.table} (id, payload) VALUES (?, ?)`, timeout: timeoutMs, values: [id, pod] });
        this.acked.push({ id, at: now(), pod });
      } catch (error) {
        this.errors += 1;
        this.lastError = `${pod}: ${(error as Error).message}`;
        this.#disconnect();
      }
      await sleep(intervalMs);
    }
  }

  async #connectionTo(pod: string, timeoutMs: number): Promise<mysql.Connection> {
    if (this.#connection?.pod === pod) return this.#connection.connection;
    this.#disconnect();
    const connection = await this.#route.connect(pod, timeoutMs);
    this.#connection = { pod, connection };
    return connection;
  }

  #disconnect(): void {
    this.#connection?.connection.destroy();
    this.#connection = undefined;
  }
}
