import { DEADMAN_SCHEMA, DEADMAN_TABLE_SQL } from '@mysqlha/config';
import { Session } from './mysql.js';

/**
 * The dead-man switch inside mariadbd. The agent is the fence, and a frozen, OOM-killed or crashed agent fences
 * nothing: so each server carries an event that sets read_only once the deadline the leading agent last armed
 * has passed. The leader re-arms it after every renew, to renewDeadline - DEADMAN_PERIOD_MS after the renew
 * began; the event runs every second, so its server is read-only by the renew deadline at the latest, the same
 * bound the agent's own watchdog keeps (docs/ha.md, the timing rule).
 *
 * Everything here is local to one server (sql_log_bin=0): the objects are not replicated, and arming writes no
 * binlog event, so it neither moves the GTID position nor waits for a semi-sync acknowledgement. The event runs
 * as `mysqlha_deadman`@`localhost`, a locked account (nobody logs in with it) whose only privileges are to set
 * read_only, to read the deadline, and EVENT on its own schema (the scheduler requires it of a definer).
 */
export const DEADMAN_PERIOD_MS = 1000;
export { DEADMAN_SCHEMA };
export const DEADMAN_ACCOUNT = "'mysqlha_deadman'@'localhost'";

const STATEMENTS = [
  'SET SESSION sql_log_bin = 0',
  ...DEADMAN_TABLE_SQL,
  // Disarmed means long past: a server whose agent never armed it is fenced, never left writable.
  `INSERT IGNORE INTO ${DEADMAN_SCHEMA}.fence (id, deadline) VALUES (1, '2000-01-01 00:00:00.000')`,
  `CREATE USER IF NOT EXISTS ${DEADMAN_ACCOUNT} ACCOUNT LOCK`,
  `GRANT READ_ONLY ADMIN ON *.* TO ${DEADMAN_ACCOUNT}`,
  `GRANT SELECT ON ${DEADMAN_SCHEMA}.fence TO ${DEADMAN_ACCOUNT}`,
  // The scheduler runs an event only while its definer may still define it.
  `GRANT EVENT ON ${DEADMAN_SCHEMA}.* TO ${DEADMAN_ACCOUNT}`,
  `CREATE OR REPLACE DEFINER = ${DEADMAN_ACCOUNT} EVENT ${DEADMAN_SCHEMA}.deadman
     ON SCHEDULE EVERY 1 SECOND ON COMPLETION PRESERVE ENABLE
     COMMENT 'mysqlha: read_only once the leading agent stops re-arming the deadline'
     DO BEGIN
          -- Retried every second rather than queued for a year behind a statement that holds a lock.
          SET SESSION lock_wait_timeout = 1;
          IF @@global.read_only = 0 AND (SELECT deadline FROM ${DEADMAN_SCHEMA}.fence WHERE id = 1) < NOW(3) THEN
            SET GLOBAL read_only = ON;
          END IF;
        END`,
  'SET GLOBAL event_scheduler = ON',
];

/** Creates the switch on the local server if it is missing (every agent start; idempotent). */
export async function installDeadman(db: Session): Promise<void> {
  for (const sql of STATEMENTS) await db.query(sql);
}

/** Arms the switch: the server fences itself `remainingMs` from now unless armed again. */
export async function armDeadman(db: Session, remainingMs: number): Promise<void> {
  await db.query('SET SESSION sql_log_bin = 0');
  await db.query(`UPDATE ${DEADMAN_SCHEMA}.fence SET deadline = NOW(3) + INTERVAL ? MICROSECOND WHERE id = 1`, [Math.max(0, Math.round(remainingMs)) * 1000]);
}
