import { spawn } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { writeDefaultsExtraFile, type ServerConnection } from '../clone/defaults-file.js';
import { formatGtidPos, gtidAtLeast, parseGtidPos } from './gtid.js';
import type { Session } from './mysql.js';

/**
 * A replica acknowledges a transaction once its relay log holds it. MariaDB in GTID mode empties the relay log
 * when any replication thread starts after a restart and fetches again from what it had *applied*, so an
 * acknowledged transaction that was received but not applied before a crash would survive only if the source
 * survives too. Before any replication thread starts, the agent therefore applies the relay log's unapplied
 * tail itself: `mariadb-binlog` prints it with the original GTIDs (skipping, per domain, everything the binlog
 * already has) and the `mariadb` client runs it, so the transactions land in this server's binlog as if the SQL
 * thread had applied them. An incomplete last transaction (the crash cut it) is rolled back by the client.
 */
export interface RelayReplayOptions {
  db: Session;
  /** The datadir as this process sees it; the relay log index is found there. */
  dataDir: string;
  connection: ServerConnection;
  binlogTool?: string;
  client?: string;
}

export interface RelayReplay {
  /** Position before and after; equal when the relay log held nothing new. */
  from: string;
  to: string;
  files: number;
}

/** Relay log files in index order, as paths this process can open. */
async function relayFiles(dataDir: string, indexPath: string): Promise<string[]> {
  const index = isAbsolute(indexPath) ? join(dataDir, basename(indexPath)) : join(dataDir, indexPath);
  let text: string;
  try {
    text = await readFile(index, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`relay log index ${index}: ${(error as Error).message}`);
  }
  const files: string[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const path = join(dataDir, basename(line));
    if (await stat(path).then(() => true, () => false)) files.push(path);
  }
  return files;
}

/** What the relay log files look like now, so an unchanged relay log is not read twice. */
async function signature(files: string[], binlogPos: string): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => `${f}:${(await stat(f)).size}`));
  return `${binlogPos}|${parts.join(',')}`;
}

/** Events that belong to a transaction (event group); the others (format, rotate, GTID list, checkpoint) stand alone. */
const GROUP_EVENT = /^(Annotate_rows|Table_map|(Write|Update|Delete)_rows|Query|Xid|User_var|Intvar|Rand|XA )/;

/**
 * Drops what `mariadb-binlog` prints of an event group whose GTID it did not print. An IO thread stopped in the
 * middle of a transaction (a candidate freezing its peers) and started again later writes the rest of that
 * transaction at the head of a new relay log file, without its GTID event; the tool's GTID filter, which skips
 * the groups the binlog already holds, starts afresh with each file and prints that rest as if it were a
 * transaction of its own. Applied, it would run a second time (or half of it, under this server's own GTID).
 * Event blocks start at `# at N` lines; a group opens at a printed GTID event and closes after its Xid or
 * COMMIT (a DDL group, after the statement that follows its GTID). The client's DELIMITER lines always pass.
 */
export class OrphanEventFilter extends Transform {
  /**
   * The last transaction of each domain that went through whole (a GTID event, then its Xid or COMMIT; DDL is
   * whole by itself): the replay must reach these, whatever the tool's exit status says about a torn last event.
   */
  readonly completed = new Map<number, string>();
  private rest = '';
  private block: string[] = [];
  private open = false;
  private closeAfterNext = false;
  private pending: { domain: number; gtid: string } | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const lines = (this.rest + chunk.toString('utf8')).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.rest !== '') this.line(this.rest);
    this.emitBlock();
    done();
  }

  private line(line: string): void {
    if (/^# at \d+$/.test(line)) this.emitBlock();
    this.block.push(line);
  }

  private emitBlock(): void {
    const lines = this.block;
    this.block = [];
    if (lines.length === 0) return;
    const header = lines.find((l) => /^#\d{6} .* end_log_pos \d+/.test(l));
    const type = header?.slice(header.indexOf('\t') + 1) ?? '';
    let keep = true;
    const g = /^GTID (\d+)-(\d+)-(\d+)/.exec(type);
    if (g) {
      const domain = Number(g[1]);
      const gtid = `${g[1]}-${g[2]}-${g[3]}`;
      this.open = true;
      this.closeAfterNext = !/ trans\b/.test(type);
      this.pending = this.closeAfterNext ? null : { domain, gtid };
      if (this.closeAfterNext) this.completed.set(domain, gtid);
    } else if (GROUP_EVENT.test(type)) {
      keep = this.open;
      if (this.open && (type.startsWith('Xid') || this.closeAfterNext || lines.some((l) => /^COMMIT\/\*!\*\/;/.test(l)))) {
        this.open = false;
        if (this.pending) this.completed.set(this.pending.domain, this.pending.gtid);
        this.pending = null;
      }
      this.closeAfterNext = false;
    }
    const out = keep ? lines : lines.filter((l) => l.startsWith('DELIMITER '));
    if (out.length > 0) this.push(out.join('\n') + '\n');
  }
}

/** Resolves with what the reader said on stderr (a torn last event), once both processes exited and the client applied all it got. */
function pipeline(tool: string, toolArgs: string[], client: string, clientArgs: string[], filter: OrphanEventFilter): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = spawn(tool, toolArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const writer = spawn(client, clientArgs, { stdio: ['pipe', 'ignore', 'pipe'] });
    let readerErr = '';
    let writerErr = '';
    reader.stderr.on('data', (d: Buffer) => (readerErr += d.toString()));
    writer.stderr.on('data', (d: Buffer) => (writerErr += d.toString()));
    reader.stdout.pipe(filter).pipe(writer.stdin);
    // The client stops at the first failing statement and closes its input; the reader then sees EPIPE.
    writer.stdin.on('error', () => undefined);
    let readerCode: number | null | undefined;
    let writerCode: number | null | undefined;
    const done = () => {
      if (readerCode === undefined || writerCode === undefined) return;
      if (writerCode !== 0) reject(new Error(`${client} stopped applying the relay log (exit ${writerCode}): ${writerErr.trim() || 'no message'}`));
      // A crash can cut the last event short: the tool then exits with an error after printing what came before,
      // and whether that was everything whole is checked against the server afterwards.
      else resolve(readerErr.trim());
    };
    reader.on('error', (e) => reject(new Error(`${tool}: ${e.message}`)));
    writer.on('error', (e) => reject(new Error(`${client}: ${e.message}`)));
    reader.on('close', (code) => ((readerCode = code), done()));
    writer.on('close', (code) => ((writerCode = code), done()));
  });
}

export class RelayLogKeeper {
  private checked = '';
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: RelayReplayOptions) {}

  /** One replay at a time (the loop and a peer's /freeze may both ask): two would apply the same tail twice. */
  replay(): Promise<RelayReplay | null> {
    const next = this.running.then(() => this.replayOnce());
    this.running = next.catch(() => undefined);
    return next;
  }

  /**
   * Applies what the relay log holds beyond this server's binlog, when replication is configured and both its
   * threads are stopped without error (after a restart, or when the agent stopped them). Returns null when there
   * was nothing to look at. Throws, changing nothing else, when the tail cannot be applied: replication must then
   * not start (it would discard the relay log).
   */
  private async replayOnce(): Promise<RelayReplay | null> {
    const { db } = this.o;
    const [status] = await db.query<RowDataPacket[]>('SHOW SLAVE STATUS');
    if (!status || !status.Master_Host) return null;
    if (String(status.Slave_IO_Running) !== 'No' || String(status.Slave_SQL_Running) !== 'No' || Number(status.Last_SQL_Errno ?? 0) !== 0) return null;
    const [vars] = await db.query<RowDataPacket[]>('SELECT @@global.relay_log_index AS idx, @@global.gtid_binlog_pos AS pos');
    const from = String((vars as RowDataPacket).pos ?? '');
    const files = await relayFiles(this.o.dataDir, String((vars as RowDataPacket).idx ?? ''));
    if (files.length === 0) return null;
    const sig = await signature(files, from);
    if (sig === this.checked) return null;

    const defaults = await writeDefaultsExtraFile(this.o.connection);
    const filter = new OrphanEventFilter();
    let toolSaid = '';
    try {
      const toolArgs = ['--skip-gtid-strict-mode', ...(from ? [`--start-position=${from}`] : []), ...files];
      toolSaid = await pipeline(this.o.binlogTool ?? 'mariadb-binlog', toolArgs, this.o.client ?? 'mariadb', [`--defaults-extra-file=${defaults.path}`, '--binary-mode', '--batch'], filter);
    } finally {
      await defaults.remove();
    }
    const [reached] = await db.query<RowDataPacket[]>('SELECT @@global.gtid_binlog_pos AS pos');
    const applied = parseGtidPos(String((reached as RowDataPacket).pos ?? ''));
    const short = [...filter.completed.values()].filter((gtid) => !gtidAtLeast(applied, parseGtidPos(gtid)));
    if (short.length > 0) throw new Error(`the relay log holds ${short.join(', ')} whole, but applying it stopped before (binlog at ${formatGtidPos(applied) || 'empty'})${toolSaid ? `; mariadb-binlog: ${toolSaid}` : ''}`);
    // Replication resumes from the binlog, which now holds the replayed tail (log_slave_updates).
    await db.query('SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos');
    const [after] = await db.query<RowDataPacket[]>('SELECT @@global.gtid_binlog_pos AS pos');
    const to = String((after as RowDataPacket).pos ?? '');
    this.checked = await signature(files, to);
    return { from, to, files: files.length };
  }
}
