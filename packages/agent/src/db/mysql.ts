import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions, RowDataPacket } from 'mysql2/promise';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** PEM CA bundle: the connection is TLS, and the server's certificate must chain to it and name the host; empty: plain TCP. */
  sslCaFile?: string;
  /** The server's Unix socket instead of host and port: no TLS, and none needed (`require_secure_transport` spares it). */
  socketPath?: string;
}

/**
 * mysql2's options for a target: TLS whenever a CA is given, read anew for every connection so that a renewed
 * bundle applies. mysql2 checks the host name only when asked (`verifyIdentity`); for an IP it checks `localhost`.
 */
export function connectionOptions(t: MysqlTarget, connectTimeoutMs: number): ConnectionOptions {
  if (t.socketPath) return { socketPath: t.socketPath, user: t.user, password: t.password, connectTimeout: connectTimeoutMs };
  let ssl: ConnectionOptions['ssl'];
  if (t.sslCaFile) {
    try {
      ssl = { ca: readFileSync(t.sslCaFile), verifyIdentity: true };
    } catch (error) {
      throw new Error(`TLS CA file ${t.sslCaFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  }
  return { host: t.host, port: t.port, user: t.user, password: t.password, connectTimeout: connectTimeoutMs, ...(ssl ? { ssl } : {}) };
}

export type DownCause = 'refused' | 'timeout' | 'error';

/** An error from the local server, classified by what it says about the server's health. */
export class MysqlDown extends Error {
  constructor(
    override readonly cause: DownCause,
    message: string,
  ) {
    super(message);
    this.name = 'MysqlDown';
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);
const ER_ACCESS_DENIED = 1045;

export function classify(err: unknown): MysqlDown {
  if (err instanceof MysqlDown) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const cause: DownCause = REFUSED.has(code) ? 'refused' : TIMEOUT.has(code) ? 'timeout' : 'error';
  return new MysqlDown(cause, `${code || 'error'}: ${e.message ?? String(err)}`);
}

/**
 * One lazily (re)connected session to a server. Every statement has a timeout, so a hung server
 * is reported as such instead of stalling the caller.
 *
 * The password is read anew for every connection. While a rotation propagates (a Secret's file changed before
 * the account did), a refused login is retried with the password the same account last logged in with.
 */
/** The password each account last logged in with, shared by every session of this process. */
const lastGood = new Map<string, string>();

export class Session {
  private conn: Connection | null = null;
  private connecting: Promise<Connection> | null = null;
  /**
   * Connections this session has opened. A server restart closes every connection, and the next statement opens
   * a new one without an error when the old one's end was noticed first (the caller frozen meanwhile, say).
   */
  connections = 0;

  /** `quiet`: its statements may carry credentials, so they stay out of the general log (needs SUPER). */
  constructor(
    private readonly target: () => MysqlTarget,
    private readonly timeoutMs: number,
    private readonly options: { quiet?: boolean } = {},
  ) {}

  private async open(t: MysqlTarget): Promise<Connection> {
    const key = `${t.user}@${t.host}:${t.port}`;
    const connect = (password: string) =>
      mysql.createConnection({ ...connectionOptions({ ...t, password }, this.timeoutMs), supportBigNumbers: true, bigNumberStrings: true });
    try {
      const c = await connect(t.password);
      lastGood.set(key, t.password);
      return c;
    } catch (err) {
      const previous = lastGood.get(key);
      if ((err as { errno?: number }).errno !== ER_ACCESS_DENIED || previous === undefined || previous === t.password) throw err;
      return connect(previous);
    }
  }

  private async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    if (!this.connecting) {
      this.connecting = this.open(this.target())
        .then(async (c) => {
          c.on('error', () => this.drop(c));
          // The slow log keeps none of this session's statements (admin statements are logged there too); a quiet
          // session keeps them out of the general log as well.
          const quiet = this.options.quiet ? 'sql_log_off = ON, ' : '';
          try {
            await c.query({ sql: `SET SESSION ${quiet}long_query_time = 31536000`, timeout: this.timeoutMs });
          } catch (err) {
            c.destroy();
            throw err;
          }
          this.conn = c;
          this.connections++;
          return c;
        })
        .finally(() => {
          this.connecting = null;
        });
    }
    return this.connecting;
  }

  private drop(c: Connection): void {
    if (this.conn === c) this.conn = null;
    c.destroy();
  }

  /** Runs one statement; `values` are escaped client-side into `?` placeholders. */
  async query<T = RowDataPacket[]>(sql: string, values?: unknown[], timeoutMs = this.timeoutMs): Promise<T> {
    let c: Connection;
    try {
      c = await this.connection();
    } catch (err) {
      throw classify(err);
    }
    try {
      const [rows] = await c.query({ sql, values, timeout: timeoutMs });
      return rows as T;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const fatal = (err as { fatal?: boolean }).fatal;
      if (fatal || REFUSED.has(code) || TIMEOUT.has(code)) this.drop(c);
      throw classify(err);
    }
  }

  async threadId(): Promise<number> {
    try {
      return (await this.connection()).threadId;
    } catch (err) {
      throw classify(err);
    }
  }

  /** The server thread of this session, if connected. */
  connectedThreadId(): number | null {
    return this.conn?.threadId ?? null;
  }

  close(): void {
    if (this.conn) this.drop(this.conn);
  }
}
