import { FENCE_SPARED_USERS } from '@mysqlha/config';
import type { RowDataPacket } from 'mysql2/promise';
import { formatGtidPos, mergeGtidPos, parseGtidPos } from './gtid.js';
import { DEADMAN_SCHEMA } from './deadman.js';
import { Session } from './mysql.js';

export interface ReplicationState {
  sourceHost: string;
  sourcePort: number;
  ioRunning: 'Yes' | 'No' | 'Connecting' | string;
  sqlRunning: 'Yes' | 'No' | string;
  usingGtid: string;
  ioPos: string;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  secondsBehind: number | null;
  /** The CA the IO thread verifies its source's certificate and host name against; empty: not verified TLS. */
  sslCaFile: string;
}

export interface LocalServer {
  alive: true;
  readOnly: boolean;
  /** `require_secure_transport`: TCP clients, replicas included, must use TLS. */
  requireSecureTransport: boolean;
  binlogPos: string;
  currentPos: string;
  slavePos: string;
  /** What this server has: its binlog plus, on a replica, what the relay log holds and it will apply. */
  receivedPos: string;
  semiSyncSource: boolean;
  semiSyncReplica: boolean;
  /** Replicas connected to this server's binlog (Binlog Dump threads). */
  replicasAttached: number;
  /** server_id of each replica registered with this server (`SHOW SLAVE HOSTS`); a pod's is its ordinal + 1. */
  replicaServerIds: number[];
  /** Semi-sync replicas attached (`Rpl_semi_sync_master_clients`). */
  semiSyncClients: number;
  /** The source side is switched on and actually waiting for acknowledgements (`Rpl_semi_sync_master_status`). */
  semiSyncActive: boolean;
  /** Commits waiting for an acknowledgement now (`Rpl_semi_sync_master_wait_sessions`). */
  semiSyncWaiting: number;
  /** Commits acknowledged so far (`Rpl_semi_sync_master_yes_tx`): when it stands still while commits wait, no replica acknowledges. */
  semiSyncAcked: number;
  replication: ReplicationState | null;
}

/**
 * Why a replica cannot apply what it received, or null: its SQL thread stopped on an error while its relay log
 * still holds transactions it has not applied. Promoting it would throw those away (RESET SLAVE).
 */
export function sqlBroken(local: LocalServer): string | null {
  const r = local.replication;
  if (!r || r.sqlRunning === 'Yes' || r.lastSqlErrno === 0) return null;
  const applied = parseGtidPos(local.currentPos);
  const received = parseGtidPos(local.receivedPos);
  for (const g of received.values()) {
    const a = applied.get(g.domain);
    if (!a || a.seq < g.seq) return `its SQL thread stopped on error ${r.lastSqlErrno} (${r.lastSqlError}) with ${formatGtidPos(received)} received but only ${local.currentPos || 'nothing'} applied`;
  }
  return null;
}

export async function observeLocal(db: Session): Promise<LocalServer> {
  const [vars] = await db.query<RowDataPacket[]>(
    `SELECT @@global.read_only AS ro, @@global.require_secure_transport AS rst, @@global.gtid_binlog_pos AS binlog, @@global.gtid_current_pos AS current,
            @@global.gtid_slave_pos AS slave, @@global.rpl_semi_sync_master_enabled AS ssm,
            @@global.rpl_semi_sync_slave_enabled AS sss,
            (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%') AS replicas`,
  );
  const slave = await db.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  const hosts = await db.query<RowDataPacket[]>('SHOW SLAVE HOSTS');
  const semi = await db.query<RowDataPacket[]>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_clients', 'Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_wait_sessions', 'Rpl_semi_sync_master_yes_tx')",
  );
  const semiStatus = new Map(semi.map((row) => [String(row.Variable_name), String(row.Value)]));
  const v = vars as RowDataPacket;
  const s = slave[0];
  const replication: ReplicationState | null =
    s && s.Master_Host
      ? {
          sourceHost: String(s.Master_Host),
          sourcePort: Number(s.Master_Port),
          ioRunning: String(s.Slave_IO_Running),
          sqlRunning: String(s.Slave_SQL_Running),
          usingGtid: String(s.Using_Gtid),
          ioPos: String(s.Gtid_IO_Pos ?? ''),
          lastIoErrno: Number(s.Last_IO_Errno ?? 0),
          lastIoError: String(s.Last_IO_Error ?? ''),
          lastSqlErrno: Number(s.Last_SQL_Errno ?? 0),
          lastSqlError: String(s.Last_SQL_Error ?? ''),
          secondsBehind: s.Seconds_Behind_Master === null || s.Seconds_Behind_Master === undefined ? null : Number(s.Seconds_Behind_Master),
          sslCaFile: s.Master_SSL_Allowed === 'Yes' && s.Master_SSL_Verify_Server_Cert === 'Yes' ? String(s.Master_SSL_CA_File ?? '') : '',
        }
      : null;
  const binlogPos = String(v.binlog ?? '');
  const currentPos = String(v.current ?? '');
  const slavePos = String(v.slave ?? '');
  let received = mergeGtidPos(parseGtidPos(binlogPos), parseGtidPos(currentPos));
  if (replication) received = mergeGtidPos(received, parseGtidPos(replication.ioPos));
  return {
    alive: true,
    readOnly: Number(v.ro) === 1,
    requireSecureTransport: Number(v.rst) === 1,
    binlogPos,
    currentPos,
    slavePos,
    receivedPos: formatGtidPos(received),
    semiSyncSource: Number(v.ssm) === 1,
    semiSyncReplica: Number(v.sss) === 1,
    replicasAttached: Number(v.replicas),
    replicaServerIds: hosts.map((h) => Number(h.Server_id)).filter((id) => Number.isInteger(id) && id > 0),
    semiSyncClients: Number(semiStatus.get('Rpl_semi_sync_master_clients') ?? 0),
    semiSyncActive: semiStatus.get('Rpl_semi_sync_master_status') === 'ON',
    semiSyncWaiting: Number(semiStatus.get('Rpl_semi_sync_master_wait_sessions') ?? 0),
    semiSyncAcked: Number(semiStatus.get('Rpl_semi_sync_master_yes_tx') ?? 0),
    replication,
  };
}

/** Kills every client session except replication, system threads, this one and `keep` (the agent's others). */
export async function killClientSessions(db: Session, keep: number[] = []): Promise<number> {
  const spare = [await db.threadId(), ...keep];
  const rows = await db.query<RowDataPacket[]>(
    `SELECT ID FROM information_schema.PROCESSLIST
      WHERE ID NOT IN (${spare.map(() => '?').join(',')}) AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
        AND USER NOT IN (${FENCE_SPARED_USERS.map(() => '?').join(',')})`,
    [...spare, ...FENCE_SPARED_USERS],
  );
  let killed = 0;
  for (const r of rows) {
    try {
      await db.query('KILL CONNECTION ?', [Number(r.ID)]);
      killed++;
    } catch {
      // the session may have ended on its own meanwhile
    }
  }
  return killed;
}

/** Stops receiving from the current source; what is in the relay log is still applied. */
export async function stopReceiving(db: Session): Promise<void> {
  await db.query('STOP SLAVE IO_THREAD');
}

export async function setSemiSyncSource(db: Session, on: boolean, timeoutMs?: number): Promise<void> {
  if (on && timeoutMs !== undefined) await db.query('SET GLOBAL rpl_semi_sync_master_timeout = ?', [timeoutMs]);
  await db.query(`SET GLOBAL rpl_semi_sync_master_enabled = ${on ? 'ON' : 'OFF'}`);
}

/**
 * Stops receiving and waits until everything received is applied (a stopped SQL thread is started for it): what
 * follows (RESET SLAVE, CHANGE MASTER) starts a new relay log and would discard an unapplied one. False when that
 * did not finish within `timeoutMs`.
 */
async function applyReceived(db: Session, timeoutMs: number): Promise<boolean> {
  await db.query('STOP SLAVE IO_THREAD');
  const after = (await db.query<RowDataPacket[]>('SHOW SLAVE STATUS'))[0];
  const ioPos = String(after?.Gtid_IO_Pos ?? '');
  if (ioPos === '') return true;
  if (String(after?.Slave_SQL_Running) !== 'Yes') await db.query('START SLAVE SQL_THREAD');
  const [w] = await db.query<RowDataPacket[]>('SELECT MASTER_GTID_WAIT(?, ?) AS r', [ioPos, timeoutMs / 1000], timeoutMs + 1000);
  return Number((w as RowDataPacket).r) === 0;
}

/**
 * Applies what the relay log holds, then stops replicating for good. Returns false when the relay log
 * was not applied within `timeoutMs` (replication is left running).
 */
export async function finishReplication(db: Session, timeoutMs: number): Promise<boolean> {
  const status = await db.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  const s = status[0];
  if (s && s.Master_Host) {
    if (!(await applyReceived(db, timeoutMs))) return false;
    await db.query('STOP SLAVE');
    await db.query('RESET SLAVE ALL');
  }
  return true;
}

/**
 * Makes this server the writable source: semi-sync's source side first (with peers, so that no commit is ever
 * acknowledged before a replica has it: until one attaches, commits wait), then read_only OFF, decided inside
 * mysqld against the dead-man deadline the agent armed: a leader that stalled (a pause, a slow call) after it
 * checked its deadline can no longer turn writable once the deadline is within `marginMs`. Returns whether the
 * server is writable now.
 */
export async function becomeWritable(db: Session, o: { semiSyncTimeoutMs: number; semiSync: boolean; marginMs: number }): Promise<boolean> {
  await db.query('SET GLOBAL rpl_semi_sync_slave_enabled = OFF');
  await db.query('SET GLOBAL rpl_semi_sync_master_timeout = ?', [o.semiSyncTimeoutMs]);
  await db.query('SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC');
  if (o.semiSync) await db.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
  await db.query(
    `BEGIN NOT ATOMIC
       IF (SELECT deadline FROM ${DEADMAN_SCHEMA}.fence WHERE id = 1) > NOW(3) + INTERVAL ? MICROSECOND THEN
         SET GLOBAL read_only = OFF;
       END IF;
     END`,
    [Math.max(0, Math.round(o.marginMs)) * 1000],
  );
  const [row] = await db.query<RowDataPacket[]>('SELECT @@global.read_only AS ro');
  return Number((row as RowDataPacket | undefined)?.ro) === 0;
}

/** How a replica logs in to its source. */
export interface ReplicationLogin {
  user: string;
  password: string;
  /** PEM CA: TLS, with the source's certificate and host name verified against it; empty: plain TCP. */
  sslCaFile: string;
}

export interface SourceAddress extends ReplicationLogin {
  host: string;
  port: number;
}

/** The CHANGE MASTER options a login sets; on the quiet session only, since they carry the password. */
function loginOptions(login: Omit<ReplicationLogin, 'user'>): [string, unknown[]] {
  const tls = login.sslCaFile !== '';
  return ['MASTER_PASSWORD = ?, MASTER_SSL = ?, MASTER_SSL_CA = ?, MASTER_SSL_VERIFY_SERVER_CERT = ?', [login.password, tls ? 1 : 0, login.sslCaFile, tls ? 1 : 0]];
}

/**
 * Points replication at a new source from this server's own history: gtid_slave_pos is taken from
 * the binlog (which, with log_slave_updates, holds everything applied here, including a former
 * leader's own writes), so the source sends exactly what is missing. A freshly cloned datadir has no
 * binlog yet: `startPos` is then the position the copy is consistent with.
 */
export async function replicateFrom(db: Session, admin: Session, src: SourceAddress, startPos?: string): Promise<void> {
  await db.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
  await db.query('STOP SLAVE');
  if (startPos === undefined) await db.query('SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos');
  else await db.query('SET GLOBAL gtid_slave_pos = ?', [startPos]);
  // On the session whose statements no log keeps: this one carries the replication password.
  const [login, values] = loginOptions(src);
  await admin.query(`CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, ${login}, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`, [
    src.host,
    src.port,
    src.user,
    ...values,
  ]);
  await db.query('SET GLOBAL rpl_semi_sync_slave_enabled = ON');
  await db.query('START SLAVE');
}

/**
 * A new login (a rotated password, TLS switched on or a renamed CA file) for the same source, once everything
 * received is applied (a relay log may hold the only copy here of an acknowledged write); false when that did not
 * finish within `timeoutMs`, and the login is left for the next attempt.
 */
export async function changeReplicationLogin(db: Session, admin: Session, login: Omit<ReplicationLogin, 'user'>, timeoutMs: number): Promise<boolean> {
  try {
    if (!(await applyReceived(db, timeoutMs))) return false;
    await db.query('STOP SLAVE');
    const [options, values] = loginOptions(login);
    await admin.query(`CHANGE MASTER TO ${options}`, values);
    return true;
  } finally {
    await db.query('START SLAVE');
  }
}

export async function startReplication(db: Session): Promise<void> {
  await db.query('SET GLOBAL rpl_semi_sync_slave_enabled = ON');
  await db.query('START SLAVE');
}

export async function stopReplication(db: Session): Promise<void> {
  await db.query('STOP SLAVE');
}

/** Waits until this server has applied `pos`; false on timeout. */
export async function waitApplied(db: Session, pos: string, timeoutMs: number): Promise<boolean> {
  const [w] = await db.query<RowDataPacket[]>('SELECT MASTER_GTID_WAIT(?, ?) AS r', [pos, timeoutMs / 1000], timeoutMs + 1000);
  return Number((w as RowDataPacket).r) === 0;
}
