import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replicateFrom, sleep, startServers, stopAll, waitApplied, waitFor, type MariaServer } from '@mysqlha/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearClonedPosition,
  readClonedPosition,
  runClone,
  setAsideDiverged,
  startCloneDonor,
  type CloneCandidate,
  type CloneDonor,
  type CloneLogger,
} from '../../packages/agent/src/clone/index.js';

// Ports 16000-16999 belong to the clone tests: servers on 16100+, donors on 16150-16152.
const PORT_BASE = 16100;
const DONOR_PORT = 16150;

const here = dirname(fileURLToPath(import.meta.url));
const logLines: string[] = [];
const logger: CloneLogger = {
  info: (m) => logLines.push(m),
  warn: (m) => logLines.push(m),
  error: (m) => logLines.push(m),
};

let source: MariaServer;
let first: MariaServer;
let second: MariaServer;
let donor: CloneDonor;
let tokenFile: string;
const children: ChildProcess[] = [];
const candidates: CloneCandidate[] = [{ name: 'mysql-0', url: `http://127.0.0.1:${DONOR_PORT}`, role: 'leader', healthy: true }];

async function isEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}

/** Command lines of the running mariabackup processes, as anyone on the host can read them. */
function mariabackupCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('mariabackup')) lines.push(argv.join(' '));
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines;
}

/** A server whose volume is fresh: stopped, datadir empty, as `agent init` leaves it for a clone. */
async function emptyVolume(server: MariaServer): Promise<void> {
  await server.stop();
  await rm(server.dataDir, { recursive: true, force: true });
  await mkdir(server.dataDir);
}

/** Inserts rows on the source until stopped, like applications writing during the copy. */
function writeLoad(server: MariaServer): { stop: () => Promise<number> } {
  let running = true;
  let written = 0;
  const done = (async () => {
    const c = await server.connect();
    while (running) {
      await c.query("INSERT INTO app.t (v, pad) VALUES (?, REPEAT('w', 200))", [written]);
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

/** What the agent does with a fresh clone: start it, set gtid_slave_pos from the recorded position, follow the source. */
async function followSource(clone: MariaServer): Promise<void> {
  const position = await readClonedPosition(clone.dataDir);
  expect(position?.donor).toBe('mysql-0');
  await clone.start();
  await clone.query('SET GLOBAL gtid_slave_pos = ?', [position!.gtid]);
  await clearClonedPosition(clone.dataDir);
  await replicateFrom(clone, source);
  await waitApplied(clone, source, 60_000);
}

async function expectConverged(clone: MariaServer): Promise<void> {
  expect(await clone.value('SELECT @@gtid_current_pos')).toBe(await source.value('SELECT @@gtid_binlog_pos'));
  const sums = async (s: MariaServer) => (await s.query<{ Checksum: unknown }>('CHECKSUM TABLE app.t, mysqlha_check.acked')).map((r) => r.Checksum);
  expect(await sums(clone)).toEqual(await sums(source));
}

beforeAll(async () => {
  const servers = await startServers({ count: 3, portBase: PORT_BASE });
  [source, first, second] = [servers[0]!, servers[1]!, servers[2]!];
  tokenFile = join(source.secrets.dir, 'clone-token');
  await source.query('CREATE DATABASE app');
  await source.query('CREATE TABLE app.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(255) NOT NULL) ENGINE=InnoDB');
  // About 100 MB, so that a copy takes long enough to write during it and to be cut midway.
  await source.query("INSERT INTO app.t (v, pad) SELECT seq, REPEAT('x', 200) FROM app.seq_1_to_4096");
  for (let i = 0; i < 7; i++) await source.query('INSERT INTO app.t (v, pad) SELECT v, pad FROM app.t');

  donor = await startCloneDonor({
    host: '127.0.0.1',
    port: DONOR_PORT,
    tokenFile,
    // As in a pod: root over verified TLS, its password read from the secret's file.
    mysql: { host: '127.0.0.1', port: source.port, user: 'root', passwordFile: join(source.secrets.dir, 'root-password'), sslCaFile: source.tls!.ca },
    serverDefaultsFile: source.configFile,
    dataDir: source.dataDir,
    mayDonate: () => true,
    logger,
  });
}, 180_000);

afterAll(async () => {
  // Each receiver leads its own process group (its mbstream with it).
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await donor?.close();
  await stopAll();
}, 120_000);

describe('clone between real mariadbd servers over the clone endpoint', () => {
  it('refuses a missing or wrong token with a bare 401, and a pod that may not donate with 503, and never logs a secret', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-77', `Basic ${source.secrets.cloneToken}`, `Bearer ${source.secrets.cloneToken}x`]) {
      const response = await fetch(`http://127.0.0.1:${DONOR_PORT}/clone`, { headers: authorization ? { Authorization: authorization } : {} });
      expect(response.status).toBe(401);
      expect(await response.text()).toBe('unauthorized\n');
    }

    const wrongTokenFile = join(dirname(first.dir), 'wrong-token');
    await writeFile(wrongTokenFile, 'wrong-token-77\n', { mode: 0o600 });
    const target = join(dirname(first.dir), 'refused', 'data');
    await expect(runClone({ dataDir: target, candidates: () => candidates, tokenFile: wrongTokenFile, logger, backoffMs: 10 })).rejects.toThrow(
      /answered 401/,
    );
    expect(await isEmpty(dirname(target))).toBe(true);

    // A pod that may not donate (no data yet, or its server is down) says so.
    const unable = await startCloneDonor({
      host: '127.0.0.1',
      port: DONOR_PORT + 2,
      tokenFile,
      mysql: { host: '127.0.0.1', port: source.port, user: 'root', passwordFile: join(source.secrets.dir, 'root-password'), sslCaFile: source.tls!.ca },
      mayDonate: () => false,
      logger,
    });
    try {
      const refused = await fetch(`http://127.0.0.1:${DONOR_PORT + 2}/clone`, { headers: { Authorization: `Bearer ${source.secrets.cloneToken}` } });
      expect(refused.status).toBe(503);
    } finally {
      await unable.close();
    }

    const logged = logLines.join('\n');
    expect(logged).toMatch(/refused a clone request/);
    for (const secret of [source.secrets.cloneToken, 'wrong-token-77', source.secrets.rootPassword]) expect(logged).not.toContain(secret);
  });

  it('clones under write load; the copy starts and replicates from the recorded position to the same data', async () => {
    await emptyVolume(first);
    const load = writeLoad(source);
    await sleep(300);
    const progress: number[] = [];
    const commandLines: string[] = [];
    const result = await runClone({
      dataDir: first.dataDir,
      candidates: () => candidates,
      tokenFile,
      logger,
      progressIntervalMs: 100,
      onProgress: (p) => {
        progress.push(p.bytes);
        if (p.state === 'streaming' && p.bytes > 0 && commandLines.length === 0) commandLines.push(...mariabackupCommandLines());
      },
    });
    const written = await load.stop();
    expect(result.outcome).toBe('cloned');
    expect(written).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeGreaterThan(50 * 1048576);
    expect(commandLines.length).toBeGreaterThan(0);
    for (const line of commandLines) {
      expect(line).toContain('--defaults-extra-file=');
      expect(line).not.toContain(source.secrets.rootPassword);
    }
    expect(await isEmpty(join(dirname(first.dataDir), '.clone'))).toBe(true);

    await followSource(first);
    await expectConverged(first);
    expect(await readClonedPosition(first.dataDir)).toBeUndefined();
  });

  it('serves one backup at a time, leaves an empty datadir when the receiver is killed midway, and a retry succeeds', async () => {
    await emptyVolume(second);
    const receiver = spawn(
      process.execPath,
      [join(here, 'support-clone', 'run-clone.mjs'), JSON.stringify({ dataDir: second.dataDir, tokenFile, donors: candidates, progressIntervalMs: 20 })],
      // Its own process group, so that freezing and killing it takes its mbstream too, as the end of a container does.
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    children.push(receiver);
    await new Promise<void>((resolve, reject) => {
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
            process.kill(-receiver.pid!, 'SIGSTOP');
            resolve();
          }
        }
      });
      receiver.on('exit', () => reject(new Error('the receiver exited on its own')));
    });
    // One backup at a time: while the frozen receiver holds the donor, another is turned away.
    const busy = await fetch(`http://127.0.0.1:${DONOR_PORT}/clone`, { headers: { Authorization: `Bearer ${source.secrets.cloneToken}` } });
    expect(busy.status).toBe(429);
    expect(donor.status().busy).toBe(true);

    const gone = new Promise((resolve) => receiver.once('exit', resolve));
    process.kill(-receiver.pid!, 'SIGKILL');
    await gone;

    expect(await isEmpty(second.dataDir)).toBe(true);
    // The donor notices and gives up its backup, so it can serve the retry.
    await waitFor('the donor to give up the interrupted backup', () => !donor.status().busy, { timeoutMs: 10_000 });

    const result = await runClone({ dataDir: second.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result.outcome).toBe('cloned');
    expect(await isEmpty(join(dirname(second.dataDir), '.clone'))).toBe(true);
    await followSource(second);
    await expectConverged(second);
  });

  it('sets a diverged datadir aside and clones again', async () => {
    await first.query('STOP SLAVE');
    // A write no one else has: the local history is no longer contained in the source's.
    await first.query('SET GLOBAL read_only = OFF');
    await first.query("INSERT INTO app.t (v, pad) VALUES (-1, 'errant')");
    const errant = await first.value<string>('SELECT @@gtid_binlog_pos');
    await first.stop();

    const aside = await setAsideDiverged(first.dataDir);
    expect(aside).toBe(join(dirname(first.dataDir), `${first.dataDir.split('/').pop()}.diverged-${aside.split('.diverged-')[1]}`));
    expect(await isEmpty(aside)).toBe(false);
    expect(await isEmpty(first.dataDir)).toBe(true);

    const result = await runClone({ dataDir: first.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result.outcome).toBe('cloned');
    await followSource(first);
    expect(await first.value("SELECT COUNT(*) FROM app.t WHERE pad = 'errant'")).toBe(0);
    expect(await first.value('SELECT @@gtid_current_pos')).not.toBe(errant);
    await expectConverged(first);
  });

  it('streams over HTTPS when the donor has a certificate, and a receiver that does not trust it gets nothing', async () => {
    // The cluster's certificate, as the TLS Secret gives every pod.
    const tls = source.tls!;
    const tlsDonor = await startCloneDonor({
      host: '127.0.0.1',
      port: DONOR_PORT + 1,
      tokenFile,
      tls: { certFile: tls.cert, keyFile: tls.key },
      mysql: { host: '127.0.0.1', port: source.port, user: 'root', passwordFile: join(source.secrets.dir, 'root-password'), sslCaFile: source.tls!.ca },
      serverDefaultsFile: source.configFile,
      mayDonate: () => true,
      logger,
    });
    try {
      expect(tlsDonor.scheme).toBe('https');
      const tlsCandidates: CloneCandidate[] = [{ name: 'mysql-0', url: `https://127.0.0.1:${DONOR_PORT + 1}`, role: 'leader', healthy: true }];
      const untrusting = join(dirname(first.dir), 'untrusting', 'data');
      await expect(runClone({ dataDir: untrusting, candidates: () => tlsCandidates, tokenFile, logger, attempts: 1 })).rejects.toThrow(/certificate/);
      expect(await isEmpty(dirname(untrusting))).toBe(true);

      const trusting = join(dirname(first.dir), 'trusting', 'data');
      const result = await runClone({ dataDir: trusting, candidates: () => tlsCandidates, tokenFile, caFile: tls.ca, logger });
      expect(result.outcome).toBe('cloned');
      expect((await readClonedPosition(trusting))?.gtid).toBe(result.outcome === 'cloned' ? result.gtid : undefined);
      await rm(dirname(trusting), { recursive: true, force: true });
    } finally {
      await tlsDonor.close();
    }
  });

  it('skips a datadir that already holds data', async () => {
    const result = await runClone({ dataDir: source.dataDir, candidates: () => candidates, tokenFile, logger });
    expect(result).toEqual({ outcome: 'skipped', reason: `${source.dataDir} already holds data` });
  });
});
