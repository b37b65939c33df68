import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDefaultsExtraFile, type ServerConnection } from './defaults-file.js';
import { consoleLogger, type CloneLogger } from './log.js';
import { estimateBackupSize } from './size.js';
import { bearerMatches, readToken } from './token.js';
import { CLONE_PATH, RESULT_TRAILER, SIZE_HEADER } from './protocol.js';

export interface CloneDonorOptions {
  /** Address to bind, e.g. 0.0.0.0 in a pod, 127.0.0.1 in tests. */
  host: string;
  /** The clone port (8081 in a pod); 0 picks a free one. */
  port: number;
  /** File holding the `clone-token` secret; read on every request so a rotated secret applies. */
  tokenFile: string;
  /** With both set the donor speaks HTTPS. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** How mariabackup reaches the local server; the password comes from `passwordFile`. */
  mysql: ServerConnection;
  /** The server's option file (`/run/mysqlha/my.cnf`), so mariabackup sees the same InnoDB settings. */
  serverDefaultsFile?: string;
  /** The local datadir: estimates the stream size for the receiver's ETA. */
  dataDir?: string;
  /** Whether this pod may donate right now (healthy, has data); refused with 503 otherwise. */
  mayDonate: () => boolean | Promise<boolean>;
  /** mariabackup's copy threads. */
  parallel?: number;
  mariabackupPath?: string;
  logger?: CloneLogger;
}

export interface CloneDonorStatus {
  busy: boolean;
  /** The receiver being served, as its remote address. */
  receiver?: string;
  bytesSent: number;
  startedAt?: string;
  lastResult?: string;
}

export interface CloneDonor {
  readonly port: number;
  readonly scheme: 'http' | 'https';
  status(): CloneDonorStatus;
  close(): Promise<void>;
}

/** Serves `GET /clone`: an authenticated hot backup of the local server as an xbstream. */
export async function startCloneDonor(options: CloneDonorOptions): Promise<CloneDonor> {
  const logger = options.logger ?? consoleLogger;
  const state: CloneDonorStatus = { busy: false, bytesSent: 0 };
  let current: ChildProcess | undefined;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      logger.error(`clone request failed: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'clone failed\n');
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://donor');
    if (url.pathname !== CLONE_PATH) return reply(res, 404, 'not found\n');
    if (req.method !== 'GET') return reply(res, 405, 'method not allowed\n');
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (!bearerMatches(req.headers.authorization, await readToken(options.tokenFile))) {
      logger.warn(`refused a clone request from ${remote}: missing or wrong bearer token`);
      return reply(res, 401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer' });
    }
    if (state.busy) return reply(res, 429, 'a clone is already streaming from this pod\n', { 'Retry-After': '10' });
    state.busy = true;
    try {
      if (!(await options.mayDonate())) return reply(res, 503, 'this pod cannot donate now\n', { 'Retry-After': '5' });
      await stream(req, res, remote);
    } finally {
      state.busy = false;
      state.receiver = undefined;
      current = undefined;
    }
  }

  async function stream(req: IncomingMessage, res: ServerResponse, remote: string): Promise<void> {
    const credentials = await writeDefaultsExtraFile(options.mysql, options.serverDefaultsFile);
    const targetDir = await mkdtemp(join(tmpdir(), 'mysqlha-donor-'));
    try {
      const size = options.dataDir ? await estimateBackupSize(options.dataDir) : undefined;
      const args = [
        `--defaults-extra-file=${credentials.path}`,
        '--backup',
        '--stream=xbstream',
        `--target-dir=${targetDir}`,
        `--parallel=${options.parallel ?? 2}`,
      ];
      const child = spawn(options.mariabackupPath ?? 'mariabackup', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      current = child;
      state.receiver = remote;
      state.bytesSent = 0;
      state.startedAt = new Date().toISOString();
      logger.info(`streaming a backup to ${remote}${size ? ` (about ${Math.round(size / 1048576)} MiB)` : ''}`);

      const stderrTail: string[] = [];
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderrTail.push(...chunk.split('\n').filter(Boolean));
        stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
      });
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        Trailer: RESULT_TRAILER,
        ...(size ? { [SIZE_HEADER]: String(size) } : {}),
      });
      child.stdout.on('data', (chunk: Buffer) => (state.bytesSent += chunk.length));
      child.stdout.pipe(res, { end: false });

      // The receiver hanging up (or dying) must not leave a backup running with its locks.
      const onGone = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      res.on('close', onGone);

      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c, s) => resolve([c, s]));
      });
      res.off('close', onGone);
      if (code === 0) {
        state.lastResult = `sent ${state.bytesSent} bytes to ${remote}`;
        logger.info(`backup streamed to ${remote}: ${state.bytesSent} bytes`);
        res.addTrailers({ [RESULT_TRAILER]: 'ok' });
        res.end();
      } else if (res.destroyed || req.destroyed) {
        state.lastResult = `receiver ${remote} went away after ${state.bytesSent} bytes`;
        logger.warn(state.lastResult);
      } else {
        const why = signal ? `killed by ${signal}` : `exited ${code}`;
        state.lastResult = `mariabackup ${why}`;
        logger.error(`mariabackup ${why} while streaming to ${remote}:\n${stderrTail.join('\n')}`);
        res.addTrailers({ [RESULT_TRAILER]: `failed: mariabackup ${why}` });
        res.end();
      }
    } finally {
      await credentials.remove();
      await rm(targetDir, { recursive: true, force: true });
    }
  }

  const tls = options.tlsCertFile && options.tlsKeyFile
    ? { cert: await readPem(options.tlsCertFile, 'certificate'), key: await readPem(options.tlsKeyFile, 'key') }
    : undefined;
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info(`clone donor listening on ${options.host}:${port} (${tls ? 'https' : 'http'})`);

  return {
    port,
    scheme: tls ? 'https' : 'http',
    status: () => ({ ...state }),
    close: async () => {
      current?.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`clone donor TLS ${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  res.end(body);
}
