import { existsSync, writeFileSync } from 'node:fs';
import { readdir, readFile, statfs } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import type { ServerConnection } from './defaults-file.js';
import { connectionOptions } from '../db/mysql.js';
import { setAsideDiverged } from './diverged.js';
import { rankDonors, type CloneCandidate } from './donor-choice.js';
import type { CloneLogger } from './log.js';
import { readRecloneMarker, removeRecloneMarker, writeRecloneMarker, type RecloneMarker } from './marker.js';
import { readClonedPosition } from './position.js';
import { runClone } from './run.js';
import { estimateBackupSize } from './size.js';
import { secretValue } from '../settings/secrets.js';

export interface RecloneOptions {
  dataDir: string;
  /** How long a pod must keep refusing to replicate before it re-clones; 0: never. */
  afterMs: number;
  /** The local server, as the agent's account: asked for its pid file, then to shut down. */
  mysql: Required<Pick<ServerConnection, 'host' | 'port' | 'user' | 'passwordFile'>> & Pick<ServerConnection, 'sslCaFile'>;
  /** The Lease holder never re-clones, whatever it is told. */
  holdsLease: () => boolean;
  /** Keeps the pod diverged (not a candidate, not a donor) until the new datadir is in place. */
  setDiverged: (reason: string | null) => void;
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  candidates: () => Promise<CloneCandidate[]>;
  tokenFile: string;
  caFile?: string;
  logger: CloneLogger;
  /** Pause after a failed attempt (default 30 s). */
  retryMs?: number;
  /** How long mariadbd may take to stop cleanly (default 10 minutes: a large buffer pool). */
  shutdownTimeoutMs?: number;
}

/**
 * Replaces a diverged datadir with a clone of a healthy peer's, keeping the old one beside it.
 * The agent cannot restart mariadbd itself (another container), so it works with the mysql
 * container's command: a marker on the data volume makes it wait instead of starting mariadbd;
 * the agent shuts mariadbd down, moves the datadir aside, clones, and removes the marker.
 * Every step can be repeated, so an agent restarted half way finishes the job from the marker.
 */
export class Recloner {
  private firstRefusal = 0;
  private lastRefusal = 0;
  private running: Promise<void> | null = null;
  private nextTryAt = 0;
  private foreignLogged = '';

  /**
   * Written beside the datadir once this pod refused a leader while holding another server's transactions. It
   * stays after the leader moves past those GTIDs: a crash-recovered ex-leader reuses the sequence numbers of
   * what recovery cut, so a later comparison can no longer see that this pod holds other writes. No automatic
   * re-clone while it exists; an operator who has saved what must be saved removes it.
   */
  private get holdsOthersMarker(): string {
    return join(dirname(this.o.dataDir), 'HOLDS-OTHERS');
  }

  constructor(private readonly o: RecloneOptions) {}

  /** A marker left by an earlier run of the agent means a re-clone is under way: finish it. */
  async resume(): Promise<void> {
    const marker = await readRecloneMarker(this.o.dataDir);
    if (marker) this.launch(marker.reason, marker);
  }

  /**
   * Called on every cycle that refuses to replicate; re-clones once that has lasted `afterMs`, counted afresh
   * after each re-clone. Never when the pod holds transactions another server wrote that the leader lacks
   * (`foreign`): setting those aside by automation could discard the only copy of acknowledged writes, so an
   * operator decides (the agent says what it holds in /status, an Event and a metric).
   */
  refused(reason: string, foreign: readonly string[] = [], confirmed = true): void {
    const now = Date.now();
    if (this.firstRefusal === 0 || now - this.lastRefusal > 10_000) this.firstRefusal = now;
    this.lastRefusal = now;
    if (foreign.length > 0) {
      const key = foreign.join(',');
      if (key !== this.foreignLogged) {
        this.o.logger.error(`not re-cloning: this server holds ${key}, written by another server and missing on the leader; an operator decides (docs/ha.md)`);
        if (confirmed) writeFileSync(this.holdsOthersMarker, `${new Date().toISOString()} ${reason}\nheld: ${key}\n`);
      }
      this.foreignLogged = key;
      return;
    }
    if (existsSync(this.holdsOthersMarker)) return;
    if (this.o.afterMs === 0 || this.running || now < this.nextTryAt || now - this.firstRefusal < this.o.afterMs) return;
    this.launch(reason);
  }

  private launch(reason: string, marker?: RecloneMarker): void {
    this.running = this.reclone(reason, marker)
      .catch((error: Error) => {
        this.nextTryAt = Date.now() + (this.o.retryMs ?? 30_000);
        this.o.logger.error(`re-clone not done, retrying in ${Math.round((this.o.retryMs ?? 30_000) / 1000)} s: ${error.message}`);
      })
      .finally(() => {
        this.running = null;
        // A pod that diverges again after a re-clone waits the whole afterMs again.
        this.firstRefusal = 0;
      });
  }

  private async reclone(reason: string, marker?: RecloneMarker): Promise<void> {
    const { dataDir, logger } = this.o;
    if (this.o.holdsLease()) throw new Error('this pod holds the Lease; it never re-clones while it does');
    if (!marker) await this.checkCanStart();
    this.o.setDiverged(`re-cloning from a peer: ${reason}`);
    if (!marker) {
      logger.warn(`re-cloning this pod: ${reason}`);
      this.o.event('Warning', 'Recloning', `replacing the diverged datadir with a copy of a peer's; the old one is kept beside it (${reason})`);
    } else {
      logger.info(`finishing the re-clone the marker asks for: ${marker.reason}`);
    }

    const pidFile = await this.stopServer(reason, marker);
    await this.waitStopped(pidFile);

    const hasData = (await readdir(dataDir).catch(() => [])).length > 0;
    if (hasData && !(await readClonedPosition(dataDir))) {
      const aside = await setAsideDiverged(dataDir);
      logger.info(`diverged datadir kept as ${aside}`);
    }
    const result = await runClone({ dataDir, candidates: this.o.candidates, tokenFile: this.o.tokenFile, logger, ...(this.o.caFile ? { caFile: this.o.caFile } : {}) });
    if (result.outcome === 'no-donor') throw new Error('no peer can donate a copy; mariadbd stays stopped until one can');
    await removeRecloneMarker(dataDir);
    this.o.setDiverged(null);
    const from = result.outcome === 'cloned' ? ` from ${result.donor}` : '';
    logger.info(`re-clone${from} done; mariadbd starts on the new datadir`);
    this.o.event('Normal', 'Recloned', `datadir replaced by a copy${from}; replicating from the recorded position once mariadbd is up`);
  }

  /** Checks made before anything is stopped: a donor exists and the volume holds a second copy. */
  private async checkCanStart(): Promise<void> {
    if (rankDonors(await this.o.candidates()).length === 0) throw new Error('no healthy peer to clone from');
    const need = await estimateBackupSize(this.o.dataDir);
    const fs = await statfs(dirname(this.o.dataDir));
    const free = fs.bavail * fs.bsize;
    if (need !== undefined && free < need * 1.1) {
      throw new Error(`${dirname(this.o.dataDir)} has ${Math.round(free / 1048576)} MiB free; the old datadir is kept, so a copy of about ${Math.round(need / 1048576)} MiB must fit beside it`);
    }
  }

  /**
   * Writes the marker (so the mysql container waits from its next start on), then asks mariadbd to
   * shut down cleanly. Returns the pid file that disappears once it has.
   */
  private async stopServer(reason: string, marker?: RecloneMarker): Promise<string | undefined> {
    const { host, port, user, passwordFile, sslCaFile } = this.o.mysql;
    let conn: mysql.Connection;
    try {
      const password = secretValue(await readFile(passwordFile, 'utf8'));
      conn = await mysql.createConnection(connectionOptions({ host, port, user, password, sslCaFile }, 5000));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT') {
        if (!marker) await writeRecloneMarker(this.o.dataDir, { reason, since: new Date().toISOString() });
        return marker?.pidFile;
      }
      throw new Error(`cannot reach the local mysqld to stop it: ${(error as Error).message}`);
    }
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS pidFile');
      const pidFile = String(rows[0]?.pidFile ?? '') || undefined;
      await writeRecloneMarker(this.o.dataDir, { reason, since: marker?.since ?? new Date().toISOString(), ...(pidFile ? { pidFile } : {}) });
      this.o.logger.info('shutting the local mariadbd down; the mysql container waits for the new datadir');
      await conn.query('SHUTDOWN').catch(() => undefined);
      return pidFile;
    } finally {
      conn.destroy();
    }
  }

  /** Stopped: nothing listens on the port and mariadbd removed its pid file (it does so last). */
  private async waitStopped(pidFile: string | undefined): Promise<void> {
    const deadline = Date.now() + (this.o.shutdownTimeoutMs ?? 600_000);
    for (;;) {
      if ((!pidFile || !existsSync(pidFile)) && !(await this.listening())) return;
      if (Date.now() > deadline) throw new Error(`mariadbd did not stop within ${Math.round((this.o.shutdownTimeoutMs ?? 600_000) / 1000)} s (pid file ${pidFile ?? 'unknown'})`);
      await sleep(200);
    }
  }

  private listening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = tcpConnect({ host: this.o.mysql.host, port: this.o.mysql.port });
      socket.setTimeout(2000, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}
