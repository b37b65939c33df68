import { CHECK_SCHEMA, CHECK_TABLE } from '../mariadb/bootstrap-sql.js';
import type { MariaServer } from '../mariadb/server.js';
import { sleep } from '../util/wait.js';

export interface ConvergedOptions {
  /** How long replicas may take to catch up; default 30 s. */
  timeoutMs?: number;
  /** The server the others replicate from; default the one writable server. */
  leader?: MariaServer;
}

export interface Convergence {
  leader: string;
  gtid: string;
  /** Rows in the check table on every server. */
  rows: number;
  /** `schema.table` -> checksum, the same on every server. */
  checksums: Record<string, string>;
}

export type Acked = Iterable<number> | { ackedIds(): number[] };

// `mysqlha` holds each server's own dead-man switch deadline (never replicated, different on every server).
const SYSTEM_SCHEMAS = ['mysql', 'sys', 'information_schema', 'performance_schema', 'mysqlha'];

async function findLeader(servers: MariaServer[]): Promise<MariaServer> {
  const states = await Promise.all(servers.map(async (s) => [s, Number(await s.value('SELECT @@read_only'))] as const));
  const writable = states.filter(([, readOnly]) => readOnly === 0).map(([s]) => s);
  if (writable.length !== 1) {
    throw new Error(`assertConverged: expected exactly one writable server to compare against, found ${writable.length} (${writable.map((s) => s.name).join(', ') || 'none'})`);
  }
  return writable[0]!;
}

async function replicationState(server: MariaServer): Promise<string> {
  const [status] = await server.query<Record<string, unknown>>('SHOW SLAVE STATUS');
  if (!status) return 'not replicating';
  return `IO ${status.Slave_IO_Running}, SQL ${status.Slave_SQL_Running}, from port ${status.Master_Port}${status.Last_IO_Error ? `, IO error: ${status.Last_IO_Error}` : ''}${status.Last_SQL_Error ? `, SQL error: ${status.Last_SQL_Error}` : ''}`;
}

async function waitSameGtid(servers: MariaServer[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const positions = await Promise.all(servers.map((s) => s.value<string>('SELECT @@gtid_current_pos')));
    if (new Set(positions).size === 1) return positions[0]!;
    if (Date.now() > deadline) {
      const lines = await Promise.all(servers.map(async (s, i) => `  ${s.name}: gtid_current_pos ${positions[i] || '(empty)'}; ${await replicationState(s)}`));
      throw new Error(`assertConverged: GTID positions still differ after ${timeoutMs} ms:\n${lines.join('\n')}`);
    }
    await sleep(100);
  }
}

async function userTables(server: MariaServer): Promise<string[]> {
  const rows = await server.query<{ name: string }>(
    `SELECT CONCAT(table_schema, '.', table_name) AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN (?) ORDER BY name`,
    [SYSTEM_SCHEMAS],
  );
  return rows.map((row) => row.name);
}

async function checksums(server: MariaServer, tables: string[]): Promise<Record<string, string>> {
  if (tables.length === 0) return {};
  const quoted = tables.map((t) => t.split('.').map((part) => `\`${part.replaceAll('`', '``')}\``).join('.'));
  const rows = await server.query<{ Table: string; Checksum: unknown }>(`CHECKSUM TABLE ${quoted.join(', ')}`);
  return Object.fromEntries(rows.map((row) => [row.Table, String(row.Checksum)]));
}

/** The acknowledged ids that `server` does not have. */
export async function missingAckedIds(server: MariaServer, acked: Acked): Promise<number[]> {
  const rows = await server.query<{ id: number | string }>(`SELECT id FROM ${CHECK_SCHEMA}.${CHECK_TABLE}`);
  const present = new Set(rows.map((row) => Number(row.id)));
  return idsOf(acked).filter((id) => !present.has(id));
}

function idsOf(acked: Acked): number[] {
  return Symbol.iterator in acked ? [...(acked as Iterable<number>)] : (acked as { ackedIds(): number[] }).ackedIds();
}

function sample(ids: number[]): string {
  return ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')}, ... (${ids.length} in all)`;
}

/**
 * Waits (bounded) until every server has the same `@@gtid_current_pos`, then checks that every acknowledged id
 * is on the leader and on every replica and that every user table has the same CHECKSUM everywhere. Throws one
 * error listing every difference, by server.
 */
export async function assertConverged(servers: MariaServer[], acked: Acked, options: ConvergedOptions = {}): Promise<Convergence> {
  const down = servers.filter((s) => !s.isRunning());
  if (down.length > 0) throw new Error(`assertConverged: not running: ${down.map((s) => s.name).join(', ')}`);
  const leader = options.leader ?? (await findLeader(servers));
  const ordered = [leader, ...servers.filter((s) => s !== leader)];
  const gtid = await waitSameGtid(ordered, options.timeoutMs ?? 30_000);

  const ackedIds = idsOf(acked);
  const problems: string[] = [];
  const rowCounts: number[] = [];
  for (const server of ordered) {
    const rows = await server.query<{ id: number | string }>(`SELECT id FROM ${CHECK_SCHEMA}.${CHECK_TABLE}`);
    rowCounts.push(rows.length);
    const present = new Set(rows.map((row) => Number(row.id)));
    const missing = ackedIds.filter((id) => !present.has(id));
    if (missing.length > 0) {
      problems.push(`${server.name}${server === leader ? ' (leader)' : ''} lacks ${missing.length} of ${ackedIds.length} acknowledged writes: ids ${sample(missing)}`);
    }
  }

  const tables = await userTables(leader);
  const reference = await checksums(leader, tables);
  for (const server of ordered.slice(1)) {
    const theirs = await checksums(server, tables);
    for (const table of tables) {
      if (theirs[table] !== reference[table]) {
        problems.push(`CHECKSUM TABLE ${table}: ${leader.name} (leader) ${reference[table]}, ${server.name} ${theirs[table]}`);
      }
    }
  }
  if (new Set(rowCounts).size > 1) {
    problems.push(`rows in ${CHECK_SCHEMA}.${CHECK_TABLE}: ${ordered.map((s, i) => `${s.name} ${rowCounts[i]}`).join(', ')}`);
  }
  if (problems.length > 0) {
    throw new Error(`assertConverged: servers agree on GTID ${gtid} but not on their data:\n  ${problems.join('\n  ')}`);
  }
  return { leader: leader.name, gtid, rows: rowCounts[0] ?? 0, checksums: reference };
}
