import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDefaultsExtraFile, type ServerConnection } from './defaults-file.js';
import { consoleLogger, type CloneLogger } from './log.js';
import { estimateBackupSize } from './size.js';
import { bearerMatches, readToken } from './token.js';
import { processIo } from './proc-io.js';
import { readTlsMaterial, type TlsFiles, type TlsMaterial } from '../tls/index.js';
import { CLONE_PATH, GO, RAW_PROTOCOL, RESULT_PATH, RESULT_TRAILER, SIZE_HEADER, STREAM_HEADER } from './protocol.js';

export interface CloneDonorOptions {
  /** Address to bind, e.g. 0.0.0.0 in a pod, 127.0.0.1 in tests. */
  host: string;
  /** The clone port (8081 in a pod); 0 picks a free one. */
  port: number;
  /** File holding the `clone-token` secret; read on every request so a rotated secret applies. */
  tokenFile: string;
  /** With a certificate and key the donor speaks HTTPS only; `useCertificate` swaps in a renewed one. */
  tls?: TlsFiles;
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
  /** New TLS handshakes present this certificate (an HTTPS donor only). */
  useCertificate(material: TlsMaterial): void;
  close(): Promise<void>;
}

/** Serves `GET /clone`: an authenticated hot backup of the local server as an xbstream. */
export async function startCloneDonor(options: CloneDonorOptions): Promise<CloneDonor> {
  const logger = options.logger ?? consoleLogger;
  const state: CloneDonorStatus = { busy: false, bytesSent: 0 };
  let current: ChildProcess | undefined;
  const backupArgs = (credentialsFile: string, targetDir: string): string[] => [
    `--defaults-extra-file=${credentialsFile}`,
    '--backup',
    '--stream=xbstream',
    `--target-dir=${targetDir}`,
    `--parallel=${options.parallel ?? 2}`,
  ];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      logger.error(`clone request failed: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'clone failed\n');
      else res.destroy();
    });
  };

  /** Results of the last raw streams, by stream id, for their receivers to fetch. */
  const results = new Map<string, string>();
  const remember = (id: string, result: string): void => {
    results.set(id, result);
    for (const old of results.keys()) if (results.size > 16) results.delete(old);
  };

  /** Why a clone request is refused, as an HTTP answer; undefined when it may stream. Marks the donor busy. */
  async function admit(req: IncomingMessage, remote: string): Promise<[number, string, Record<string, string>?] | undefined> {
    if (!bearerMatches(req.headers.authorization, await readToken(options.tokenFile))) {
      logger.warn(`refused a clone request from ${remote}: missing or wrong bearer token`);
      return [401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer' }];
    }
    if (state.busy) return [429, 'a clone is already streaming from this pod\n', { 'Retry-After': '10' }];
    state.busy = true;
    let may = false;
    try {
      may = await options.mayDonate();
    } finally {
      if (!may) state.busy = false;
    }
    return may ? undefined : [503, 'this pod cannot donate now\n', { 'Retry-After': '5' }];
  }

  function done(): void {
    state.busy = false;
    state.receiver = undefined;
    current = undefined;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://donor');
    if (url.pathname === RESULT_PATH && req.method === 'GET') return result(req, res, url);
    if (url.pathname !== CLONE_PATH) return reply(res, 404, 'not found\n');
    if (req.method !== 'GET') return reply(res, 405, 'method not allowed\n');
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const refused = await admit(req, remote);
    if (refused) return reply(res, ...refused);
    try {
      await stream(req, res, remote);
    } finally {
      done();
    }
  }

  async function result(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!bearerMatches(req.headers.authorization, await readToken(options.tokenFile))) return reply(res, 401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer' });
    const found = results.get(url.searchParams.get('stream') ?? '');
    if (found === undefined) return reply(res, 404, 'no such stream (still running, or unknown)\n');
    return reply(res, 200, found);
  }

  /** The upgraded connection: mariabackup writes into the socket itself. */
  async function serveRaw(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://donor');
    if (url.pathname !== CLONE_PATH || req.method !== 'GET' || req.headers.upgrade !== RAW_PROTOCOL || tls) {
      return rawReply(socket, 400, `expected GET ${CLONE_PATH} with Upgrade: ${RAW_PROTOCOL} over plain HTTP\n`);
    }
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const refused = await admit(req, remote);
    if (refused) return rawReply(socket, ...refused);
    const id = randomUUID();
    let sampler: NodeJS.Timeout | undefined;
    let cleanup = async (): Promise<void> => undefined;
    try {
      const credentials = await writeDefaultsExtraFile(options.mysql, options.serverDefaultsFile);
      const targetDir = await mkdtemp(join(tmpdir(), 'mysqlha-donor-'));
      cleanup = async () => {
        await credentials.remove();
        await rm(targetDir, { recursive: true, force: true });
      };
      const size = options.dataDir ? await estimateBackupSize(options.dataDir) : undefined;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${RAW_PROTOCOL}\r\n${STREAM_HEADER}: ${id}\r\n` +
          `${size ? `${SIZE_HEADER}: ${size}\r\n` : ''}\r\n`,
      );
      await waitForGo(socket, head);
      const child = spawn(options.mariabackupPath ?? 'mariabackup', backupArgs(credentials.path, targetDir), { stdio: ['ignore', socket, 'pipe'] });
      current = child;
      state.receiver = remote;
      state.bytesSent = 0;
      state.startedAt = new Date().toISOString();
      logger.info(`streaming a backup to ${remote} over its socket${size ? ` (about ${Math.round(size / 1048576)} MiB)` : ''}`);
      sampler = setInterval(() => void processIo(child.pid).then((io) => io && (state.bytesSent = io.written)), 500);
      const stderrTail = tail(child);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c, s) => resolve([c, s]));
      });
      if (code === 0) {
        state.lastResult = `sent about ${state.bytesSent} bytes to ${remote}`;
        logger.info(`backup streamed to ${remote}`);
        remember(id, 'ok');
      } else {
        const why = signal ? `killed by ${signal}` : `exited ${code}`;
        state.lastResult = `mariabackup ${why} while streaming to ${remote}`;
        // A receiver that went away makes mariabackup fail on its next write: not the donor's fault.
        logger.warn(`mariabackup ${why} while streaming to ${remote} (the receiver may have gone away):\n${stderrTail.join('\n')}`);
        remember(id, `failed: mariabackup ${why}`);
      }
    } finally {
      clearInterval(sampler);
      // The result is known before the connection closes: the receiver asks for it after the end of the stream.
      socket.destroy();
      done();
      await cleanup();
    }
  }

  async function stream(req: IncomingMessage, res: ServerResponse, remote: string): Promise<void> {
    const credentials = await writeDefaultsExtraFile(options.mysql, options.serverDefaultsFile);
    const targetDir = await mkdtemp(join(tmpdir(), 'mysqlha-donor-'));
    try {
      const size = options.dataDir ? await estimateBackupSize(options.dataDir) : undefined;
      const child = spawn(options.mariabackupPath ?? 'mariabackup', backupArgs(credentials.path, targetDir), { stdio: ['ignore', 'pipe', 'pipe'] });
      current = child;
      state.receiver = remote;
      state.bytesSent = 0;
      state.startedAt = new Date().toISOString();
      logger.info(`streaming a backup to ${remote}${size ? ` (about ${Math.round(size / 1048576)} MiB)` : ''}`);

      const stderrTail = tail(child);
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

  const server: Server = options.tls ? createHttpsServer(initialCertificate(options.tls, logger), handler) : createHttpServer(handler);
  const tls = server instanceof HttpsServer;
  // Only listening for upgrades makes Node hand them over; a receiver that does not ask gets the HTTP stream.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    serveRaw(req, socket, head).catch((error: unknown) => {
      logger.error(`clone request failed: ${(error as Error).message}`);
      socket.destroy();
    });
  });
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
    useCertificate: (material) => {
      if (server instanceof HttpsServer) server.setSecureContext({ cert: material.cert, key: material.key });
    },
    close: async () => {
      current?.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The certificate to start with. A Secret caught half-written must not keep the agent from starting: the donor then
 * starts without one, refusing every handshake (never plain HTTP), until `useCertificate` gives it one.
 */
function initialCertificate(files: TlsFiles, logger: CloneLogger): { cert?: Buffer; key?: Buffer } {
  try {
    const material = readTlsMaterial(files);
    return { cert: material.cert, key: material.key };
  } catch (error) {
    logger.error(`clone donor starts without a certificate, refusing every connection until one loads: ${(error as Error).message}`);
    return {};
  }
}

/** Waits for the receiver's GO: its mbstream now reads the socket. */
function waitForGo(socket: Socket, head: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = head.toString('latin1');
    const check = (): boolean => {
      if (got.length < GO.length) return false;
      socket.off('data', onData);
      socket.off('close', onClose);
      if (got === GO) resolve();
      else reject(new Error('the receiver sent something other than GO'));
      return true;
    };
    const onData = (chunk: Buffer): void => {
      got += chunk.toString('latin1');
      check();
    };
    const onClose = (): void => reject(new Error('the receiver hung up before GO'));
    if (check()) return;
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The last lines a tool printed on stderr, for the log when it fails. */
function tail(child: ChildProcess): string[] {
  const lines: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 20));
  });
  return lines;
}

function rawReply(socket: Socket, status: number, body: string, headers: Record<string, string> = {}): void {
  const head = Object.entries({ 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  res.end(body);
}
