import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearClonedPosition,
  readClonedPosition,
  runClone,
  setAsideDiverged,
  startCloneDonor,
  type CloneDonor,
  type CloneLogger,
} from '../../packages/agent/src/clone/index.js';
import { bootstrapServer, emptyServer, ROOT_PASSWORD, type Server } from './support-clone/mariadb.js';

// Ports 16000-16999 belong to these tests.
const SOURCE_PORT = 16101;
const DONOR_PORT = 16102;
const CLONE_PORT = 16103;
const TOKEN = 'clone-token-1f3a9c0e7b';
const REPL_PASSWORD = 'repl-pass-9d2e';

const here = dirname(fileURLToPath(import.meta.url));
const logLines: string[] = [];
const logger: CloneLogger = {
  info: (m) => logLines.push(m),
  warn: (m) => logLines.push(m),
  error: (m) => logLines.push(m),
};

let root: string;
let source: Server;
let donor: CloneDonor;
let tokenFile: string;
const servers: Server[] = [];
const children: ChildProcess[] = [];

async function query<T = unknown>(c: mysql.Connection, sql: string, values?: unknown[]): Promise<T[]> {
  const [rows] = await c.query(sql, values);
  return rows as T[];
}

async function one(s: Server, sql: string): Promise<unknown> {
  const c = await s.connect();
  try {
    const rows = await query<Record<string, unknown>>(c, sql);
    return Object.values(rows[0] ?? {})[0];
  } finally {
    await c.end();
  }
}

/** Inserts rows on the source until stopped, like applications writing during the copy. */
function writeLoad(s: Server): { stop: () => Promise<number> } {
  let running = true;
  let written = 0;
  const done = (async () => {
    const c = await s.connect();
    while (running) {
      await c.query('INSERT INTO app.t (v, pad) VALUES (?, REPEAT(?, 200))', [written, 'w']);
      written++;
    }
    await c.end();
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return written;
    },
  };
}

const candidates = [{ name: 'source-0', url: `http://127.0.0.1:${DONOR_PORT}`, role: 'leader' as const, healthy: true }];

async function isEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}

/** Starts the clone as a server replicating from the source at the recorded position, and waits for it to catch up. */
async function followSource(clone: Server): Promise<void> {
  const position = await readClonedPosition(clone.dataDir);
  expect(position?.donor).toBe('source-0');
  await clone.start();
  const c = await clone.connect();
  await query(c, 'SET GLOBAL gtid_slave_pos = ?', [position!.gtid]);
  await clearClonedPosition(clone.dataDir);
  await query(
    c,
    `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${SOURCE_PORT}, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos`,
    [REPL_PASSWORD],
  );
  await query(c, 'START SLAVE');
  await c.end();
  const target = await one(source, 'SELECT @@gtid_binlog_pos');
  for (let i = 0; i < 600; i++) {
    if ((await one(clone, 'SELECT @@gtid_slave_pos')) === target) return;
    await sleep(100);
  }
  const status = await clone.connect();
  const rows = await query(status, 'SHOW SLAVE STATUS');
  await status.end();
  throw new Error(`the clone did not catch up with ${String(target)}: ${JSON.stringify(rows)}`);
}

async function checksum(s: Server): Promise<unknown> {
  const c = await s.connect();
  const rows = await query<{ Checksum: unknown }>(c, 'CHECKSUM TABLE app.t');
  await c.end();
  return rows[0]?.Checksum;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mysqlha-clone-test-'));
  tokenFile = join(root, 'clone-token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const passwordFile = join(root, 'root-password');
  await writeFile(passwordFile, ROOT_PASSWORD, { mode: 0o600 });

  source = await bootstrapServer(join(root, 'source'), SOURCE_PORT, 1);
  servers.push(source);
  const c = await source.connect();
  await query(c, 'CREATE USER repl@127.0.0.1 IDENTIFIED BY ?', [REPL_PASSWORD]);
  await query(c, 'GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO repl@127.0.0.1');
  await query(c, 'CREATE DATABASE app');
  await query(c, 'CREATE TABLE app.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(255) NOT NULL) ENGINE=InnoDB');
  // About 100 MB, so that a copy takes long enough to write during it and to be cut midway.
  await query(c, "INSERT INTO app.t (v, pad) SELECT seq, REPEAT('x', 200) FROM app.seq_1_to_4096");
  for (let i = 0; i < 7; i++) await query(c, 'INSERT INTO app.t (v, pad) SELECT v, pad FROM app.t');
  await c.end();

  donor = await startCloneDonor({
    host: '127.0.0.1',
    port: DONOR_PORT,
    tokenFile,
    mysql: { socket: source.socket, user: 'root', passwordFile },
    serverDefaultsFile: source.cnf,
    dataDir: source.dataDir,
    mayDonate: () => true,
    logger,
  });
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await donor?.close();
  for (const s of servers) await s.stop();
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

describe('clone between real mariadbd servers over the clone endpoint', () => {
  it('refuses a missing or wrong token with a bare 401 and never logs a token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-77', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const response = await fetch(`http://127.0.0.1:${DONOR_PORT}/clone`, {
        headers: authorization ? { Authorization: authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.text()).toBe('unauthorized\n');
    }

    const wrongTokenFile = join(root, 'wrong-token');
    await writeFile(wrongTokenFile, 'wrong-token-77\n', { mode: 0o600 });
    const target = join(root, 'refused', 'data');
    await expect(
      runClone({ dataDir: target, candidates: () => candidates, tokenFile: wrongTokenFile, logger, backoffMs: 10 }),
    ).rejects.toThrow(/answered 401/);
    expect(await isEmpty(target)).toBe(true);
    expect(await isEmpty(join(root, 'refused'))).toBe(true);

    const logged = logLines.join('\n');
    expect(logged).toMatch(/refused a clone request/);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('wrong-token-77');
    expect(logged).not.toContain(ROOT_PASSWORD);
  });

  it('clones under write load; the copy starts and replicates from the recorded position to the same data', async () => {
    const load = writeLoad(source);
    await sleep(300);
    const clone = await emptyServer(join(root, 'clone'), CLONE_PORT, 2);
    servers.push(clone);
    const progress: number[] = [];
    const result = await runClone({
      dataDir: clone.dataDir,
      candidates: () => candidates,
      tokenFile,
      logger,
      progressIntervalMs: 100,
      onProgress: (p) => progress.push(p.bytes),
    });
    const written = await load.stop();
    expect(result.outcome).toBe('cloned');
    expect(written).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeGreaterThan(50 * 1048576);
    expect(await isEmpty(join(root, 'clone', '.clone'))).toBe(true);

    await followSource(clone);
    expect(await one(clone, 'SELECT @@gtid_current_pos')).toBe(await one(source, 'SELECT @@gtid_binlog_pos'));
    expect(await checksum(clone)).toBe(await checksum(source));
    expect(await one(clone, 'SELECT COUNT(*) FROM app.t')).toBe(await one(source, 'SELECT COUNT(*) FROM app.t'));
    expect(await readClonedPosition(clone.dataDir)).toBeUndefined();
  }, 300_000);

  it('leaves an empty datadir when the receiver is killed midway, and a retry succeeds', async () => {
    const target = await emptyServer(join(root, 'killed'), CLONE_PORT + 1, 3);
    servers.push(target);
    const receiver = spawn(
      process.execPath,
      [join(here, 'support-clone', 'run-clone.mjs'), JSON.stringify({ dataDir: target.dataDir, tokenFile, donors: candidates, progressIntervalMs: 20 })],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(receiver);
    const midway = new Promise<void>((resolve, reject) => {
      let buffered = '';
      receiver.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const message = JSON.parse(line) as { progress?: { bytes: number; state: string }; result?: unknown };
          if (message.result) reject(new Error('the clone finished before it could be killed'));
          // Freeze it first, so that it is certainly midway when it dies.
          if (message.progress?.state === 'streaming' && message.progress.bytes > 1048576) {
            receiver.kill('SIGSTOP');
            resolve();
          }
        }
      });
      receiver.on('exit', () => reject(new Error('the receiver exited on its own')));
    });
    await midway;
    const gone = new Promise((resolve) => receiver.once('exit', resolve));
    receiver.kill('SIGKILL');
    await gone;

    expect(await isEmpty(target.dataDir)).toBe(true);
    // The donor notices and gives up its backup, so it can serve the retry.
    for (let i = 0; i < 100 && donor.status().busy; i++) await sleep(100);
    expect(donor.status().busy).toBe(false);

    const result = await runClone({ dataDir: target.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result.outcome).toBe('cloned');
    expect(await isEmpty(join(root, 'killed', '.clone'))).toBe(true);
    await followSource(target);
    expect(await checksum(target)).toBe(await checksum(source));
  }, 300_000);

  it('sets a diverged datadir aside and clones again', async () => {
    const diverged = servers.find((s) => s.port === CLONE_PORT)!;
    const c = await diverged.connect();
    await query(c, 'STOP SLAVE');
    // A write no one else has: the local history is no longer contained in the source's.
    await query(c, "INSERT INTO app.t (v, pad) VALUES (-1, 'errant')");
    await c.end();
    const errantGtid = await one(diverged, 'SELECT @@gtid_binlog_pos');
    await diverged.stop();

    const aside = await setAsideDiverged(diverged.dataDir);
    expect(aside).toMatch(/data\.diverged-/);
    expect(await isEmpty(aside)).toBe(false);
    expect(await isEmpty(diverged.dataDir)).toBe(true);

    const result = await runClone({ dataDir: diverged.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result.outcome).toBe('cloned');
    await followSource(diverged);
    expect(await one(diverged, "SELECT COUNT(*) FROM app.t WHERE pad = 'errant'")).toBe(0);
    expect(await one(diverged, 'SELECT @@gtid_current_pos')).not.toBe(errantGtid);
    expect(await checksum(diverged)).toBe(await checksum(source));
  }, 300_000);

  it('skips a datadir that already holds data', async () => {
    const result = await runClone({ dataDir: source.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result).toEqual({ outcome: 'skipped', reason: `${source.dataDir} already holds data` });
  });
});
