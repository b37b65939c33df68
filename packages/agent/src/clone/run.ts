import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { rankDonors, type CloneCandidate } from './donor-choice.js';
import { consoleLogger, type CloneLogger } from './log.js';
import { readBackupGtid, writeClonedPosition } from './position.js';
import { describeProgress, type CloneProgress } from './progress.js';
import { processIo } from './proc-io.js';
import { CLONE_PATH, GO, RAW_PROTOCOL, RESULT_PATH, RESULT_TRAILER, SIZE_HEADER, STREAM_HEADER } from './protocol.js';
import { estimateBackupSize } from './size.js';
import { readToken } from './token.js';

export interface RunCloneOptions {
  /** The datadir to fill (`/var/lib/mysql/data`); the copy is received in `.clone` beside it. */
  dataDir: string;
  /** Current donors; asked again before every attempt, so a retry follows the cluster's changes. */
  candidates: () => CloneCandidate[] | Promise<CloneCandidate[]>;
  tokenFile: string;
  /** CA bundle for donors that speak HTTPS. */
  caFile?: string;
  /** Tries in all, across donors (default 5). */
  attempts?: number;
  /** First pause between tries, doubled each time up to maxBackoffMs (defaults 1 s, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A donor that sends nothing for this long is given up on (default 5 minutes: mariabackup may wait for locks). */
  idleTimeoutMs?: number;
  /** Memory for `mariabackup --prepare` (default 256M). */
  prepareMemory?: string;
  mariabackupPath?: string;
  mbstreamPath?: string;
  logger?: CloneLogger;
  /** Called on every state change and about every progressIntervalMs while streaming. */
  onProgress?: (progress: CloneProgress) => void;
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export type CloneResult =
  | { outcome: 'cloned'; donor: string; gtid: string; bytes: number; seconds: number }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'no-donor' };

class FatalCloneError extends Error {}

/**
 * Fills an empty datadir with a prepared copy of a donor's. Either the datadir ends up complete,
 * with the position to replicate from recorded in it, or it stays empty: the copy is assembled
 * in a directory beside it and renamed into place only once prepared.
 */
export async function runClone(options: RunCloneOptions): Promise<CloneResult> {
  const logger = options.logger ?? consoleLogger;
  if (!(await isEmptyDir(options.dataDir))) return { outcome: 'skipped', reason: `${options.dataDir} already holds data` };
  const workDir = join(dirname(options.dataDir), '.clone');
  const attempts = options.attempts ?? 5;
  let backoff = options.backoffMs ?? 1000;
  const progress: CloneProgress = { state: 'idle', attempt: 0, bytes: 0 };
  const report = (change: Partial<CloneProgress>): void => {
    Object.assign(progress, change);
    options.onProgress?.({ ...progress });
  };
  let lastError: Error | undefined;

  for (let attempt = 1; attempt <= attempts; attempt++) {
    const donors = rankDonors(await options.candidates());
    if (donors.length === 0) {
      if (attempt === 1) return { outcome: 'no-donor' };
      lastError = new Error('no healthy donor left');
    } else {
      // Spread retries over the ranked donors so one broken donor does not eat every attempt.
      const donor = donors[(attempt - 1) % donors.length] as CloneCandidate;
      try {
        report({ state: 'streaming', attempt, donor: donor.name, bytes: 0, expectedBytes: undefined, mbPerSecond: undefined, etaSeconds: undefined, error: undefined });
        const result = await cloneOnce(donor, workDir, options, logger, report);
        report({ state: 'done' });
        return result;
      } catch (error) {
        lastError = error as Error;
        await rm(workDir, { recursive: true, force: true });
        report({ state: 'failed', error: lastError.message });
        if (error instanceof FatalCloneError || options.signal?.aborted) break;
        logger.warn(`clone attempt ${attempt}/${attempts} from ${donor.name} failed: ${lastError.message}`);
      }
    }
    if (attempt < attempts) {
      await sleep(backoff, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) break;
      backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 30000);
    }
  }
  await rm(workDir, { recursive: true, force: true });
  throw new Error(`clone into ${options.dataDir} failed, the datadir stays empty: ${lastError?.message ?? 'aborted'}`);
}

async function cloneOnce(
  donor: CloneCandidate,
  workDir: string,
  options: RunCloneOptions,
  logger: CloneLogger,
  report: (change: Partial<CloneProgress>) => void,
): Promise<CloneResult> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true, mode: 0o750 });
  const started = Date.now();
  logger.info(`cloning from ${donor.name} (${donor.url}) into ${workDir}`);

  const url = new URL(CLONE_PATH, donor.url);
  const token = await readToken(options.tokenFile);
  const answer = await get(url, token, options);
  const response = answer.response;
  if (!answer.socket && response.statusCode !== 200) {
    const body = (await readBody(response)).trim().slice(0, 200);
    const message = `donor ${donor.name} answered ${response.statusCode}${body ? `: ${body}` : ''}`;
    if (response.statusCode === 401) throw new FatalCloneError(`${message} (check that both pods read the same clone-token secret)`);
    throw new Error(message);
  }
  const expectedBytes = Number(response.headers[SIZE_HEADER.toLowerCase()]) || undefined;

  let bytes = 0;
  const update = (): CloneProgress => {
    const rate = bytes / Math.max(0.001, (Date.now() - started) / 1000);
    const now: CloneProgress = {
      state: 'streaming',
      attempt: 0,
      donor: donor.name,
      bytes,
      expectedBytes,
      mbPerSecond: rate / 1e6,
      etaSeconds: expectedBytes && rate > 0 ? Math.max(0, (expectedBytes - bytes) / rate) : undefined,
    };
    report({ bytes: now.bytes, expectedBytes, mbPerSecond: now.mbPerSecond, etaSeconds: now.etaSeconds });
    return now;
  };
  const ticker = setInterval(() => logger.info(`clone progress: ${describeProgress(update())}`), options.progressIntervalMs ?? 2000);
  try {
    const extract = spawn(options.mbstreamPath ?? 'mbstream', ['-x', '-C', workDir], {
      stdio: [answer.socket ?? 'pipe', 'ignore', 'pipe'],
      signal: options.signal,
    });
    const extracted = exited(extract, 'mbstream -x');
    if (answer.socket) {
      await receiveRaw(answer.socket, answer.head, extract, extracted, options, (n) => (bytes = n));
      // mbstream's counter is sampled; what it unpacked is the exact size of the copy.
      bytes = Math.max(bytes, (await estimateBackupSize(workDir)) ?? 0);
      const result = await fetchResult(url, response.headers[STREAM_HEADER.toLowerCase()], token, options);
      if (result !== 'ok') throw new Error(`donor ${donor.name} did not finish the stream (${result})`);
    } else {
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      // Wait for both, so that a failed attempt never leaves mbstream writing into the next one's directory.
      const [piped, unpacked] = await Promise.allSettled([pipeline(response, extract.stdin!, { signal: options.signal }), extracted]);
      if (piped.status === 'rejected') throw new Error(`stream from ${donor.name} broke after ${bytes} bytes: ${(piped.reason as Error).message}`);
      if (unpacked.status === 'rejected') throw unpacked.reason;
      const result = response.trailers[RESULT_TRAILER.toLowerCase()];
      if (result !== 'ok') throw new Error(`donor ${donor.name} did not finish the stream (${result ?? 'no result trailer'})`);
    }
  } finally {
    clearInterval(ticker);
    answer.socket?.destroy();
  }
  update();
  const streamSeconds = (Date.now() - started) / 1000;
  logger.info(`received ${(bytes / 1048576).toFixed(0)} MiB from ${donor.name} in ${streamSeconds.toFixed(1)} s (${(bytes / 1e6 / streamSeconds).toFixed(1)} MB/s); preparing`);

  report({ state: 'preparing' });
  const prepare = spawn(
    options.mariabackupPath ?? 'mariabackup',
    ['--prepare', `--target-dir=${workDir}`, `--use-memory=${options.prepareMemory ?? '256M'}`],
    { stdio: ['ignore', 'ignore', 'pipe'], signal: options.signal },
  );
  await exited(prepare, 'mariabackup --prepare');

  const gtid = await readBackupGtid(workDir);
  await writeClonedPosition(workDir, { gtid, donor: donor.name, clonedAt: new Date().toISOString() });
  // rename(2) replaces an empty directory atomically: the datadir is either empty or complete.
  await rename(workDir, options.dataDir);
  const seconds = (Date.now() - started) / 1000;
  logger.info(`clone from ${donor.name} complete in ${seconds.toFixed(1)} s; replication starts at GTID ${gtid || '(empty)'}`);
  return { outcome: 'cloned', donor: donor.name, gtid, bytes, seconds };
}

/**
 * mbstream already owns the socket (spawn stopped this process reading it): say GO, then follow the
 * copy through mbstream's read counter, giving up on a donor silent for idleTimeoutMs.
 */
async function receiveRaw(
  socket: Socket,
  head: Buffer,
  extract: ChildProcess,
  extracted: Promise<void>,
  options: RunCloneOptions,
  onBytes: (bytes: number) => void,
): Promise<void> {
  if (head.length > 0) {
    extract.kill('SIGKILL');
    await extracted.catch(() => undefined);
    throw new Error('the donor sent data before GO');
  }
  socket.write(GO);
  const idle = options.idleTimeoutMs ?? 300_000;
  let last = -1;
  let lastChange = Date.now();
  const watch = setInterval(() => {
    void processIo(extract.pid).then((io) => {
      if (!io) return;
      onBytes(io.read);
      if (io.read !== last) {
        last = io.read;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > idle) {
        extract.kill('SIGKILL');
      }
    });
  }, 250);
  try {
    await extracted.catch((error: Error) => {
      throw Date.now() - lastChange > idle ? new Error(`no data from the donor for ${idle / 1000} s`) : error;
    });
  } finally {
    clearInterval(watch);
  }
}

/** The end-of-stream result of a raw stream, asked for once the connection has closed. */
async function fetchResult(url: URL, stream: string | string[] | undefined, token: string, options: RunCloneOptions): Promise<string> {
  if (typeof stream !== 'string') return 'the donor named no stream';
  const answer = await get(new URL(`${RESULT_PATH}?stream=${encodeURIComponent(stream)}`, url), token, { ...options, idleTimeoutMs: 30_000 }, false);
  const body = (await readBody(answer.response)).trim();
  return answer.response.statusCode === 200 ? body : `result ${answer.response.statusCode}: ${body.slice(0, 200)}`;
}

interface DonorAnswer {
  response: IncomingMessage;
  /** Set when the donor switched to the raw protocol: the connection, and what came after its 101. */
  socket?: Socket;
  head: Buffer;
}

/** Over plain HTTP the request asks for the raw protocol; a donor that does not offer it answers as HTTP. */
async function get(url: URL, token: string, options: RunCloneOptions, raw = true): Promise<DonorAnswer> {
  const https = url.protocol === 'https:';
  const ca = https && options.caFile ? await readFile(options.caFile) : undefined;
  const send = https ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (raw && !https) Object.assign(headers, { Connection: 'Upgrade', Upgrade: RAW_PROTOCOL });
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers, ca, signal: options.signal }, (response) => resolve({ response, head: Buffer.alloc(0) }));
    req.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      req.setTimeout(0);
      socket.setTimeout(0);
      resolve({ response, socket, head });
    });
    const idle = options.idleTimeoutMs ?? 300_000;
    req.setTimeout(idle, () => req.destroy(new Error(`no data from ${url.origin} for ${idle / 1000} s`)));
    req.on('error', (error) => reject(new Error(`cannot reach ${url.origin}: ${error.message}`)));
    req.end();
  });
}

async function readBody(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) if (text.length < 4096) text += String(chunk);
  return text;
}

/** Resolves when the tool exits 0; otherwise rejects with the end of what it printed. */
function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`${what}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${what} ${signal ? `killed by ${signal}` : `exited ${code}`}: ${tail.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
