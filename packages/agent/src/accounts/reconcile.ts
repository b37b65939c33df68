import type { RowDataPacket } from 'mysql2/promise';
import type { Session } from '../db/mysql.js';
import { accountName as name, nativePasswordHash, type ManagedAccount } from '@mysqlha/config';

/** Privileges an application user gets on its database: never a global one (no READ_ONLY ADMIN, no SUPER). */
const DATABASE_PRIVILEGES = { readwrite: 'ALL PRIVILEGES', readonly: 'SELECT, SHOW VIEW' } as const;
/** Every database privilege but those of readonly. */
const WRITE_PRIVILEGES =
  'INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, DELETE HISTORY';

export type AccountChange = 'created' | 'rotated' | 'retired' | 'granted';

interface StoredAccount {
  /** Hashes a login may match, the current password first. */
  hashes: string[];
  changedAt: number;
}

/** An account's row of mysql.global_priv, or null when there is no such account. */
export async function stored(db: Session, a: { user: string; host: string }): Promise<StoredAccount | null> {
  const rows = await db.query<RowDataPacket[]>('SELECT Priv FROM mysql.global_priv WHERE User = ? AND Host = ?', [a.user, a.host]);
  if (rows.length === 0) return null;
  // A JSON column: the driver may hand it over parsed already.
  const raw: unknown = rows[0]!.Priv;
  const priv = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { authentication_string?: string; auth_or?: { authentication_string?: string }[]; password_last_changed?: number };
  const hashes = [priv.authentication_string ?? '', ...(priv.auth_or ?? []).slice(1).map((o) => o.authentication_string ?? '')];
  return { hashes, changedAt: priv.password_last_changed ?? 0 };
}

/**
 * Keeps one account's password equal to `password` without a failed login: a new password is added beside
 * the current one (MariaDB tries each in turn), and the old one is retired `graceSeconds` later, so that
 * clients and replicas still holding it switch at their own pace. Application users are created with their
 * database and granted it. Runs on the leader: every statement replicates. Returns what it changed.
 */
export async function reconcileAccount(db: Session, a: ManagedAccount, password: string, graceSeconds: number, nowSeconds: number): Promise<AccountChange[]> {
  const want = nativePasswordHash(password);
  const changes: AccountChange[] = [];
  const current = await stored(db, a);
  if (!current) {
    if (!a.database) throw new Error(`account ${name(a)} is missing (it is created when the datadir is bootstrapped)`);
    await db.query(`CREATE USER IF NOT EXISTS ${name(a)} IDENTIFIED BY PASSWORD ?`, [want]);
    changes.push('created');
  } else if (current.hashes[0] !== want) {
    await db.query(`ALTER USER ${name(a)} IDENTIFIED VIA mysql_native_password USING ? OR mysql_native_password USING ?`, [want, current.hashes[0]]);
    changes.push('rotated');
  } else if (current.hashes.length > 1 && nowSeconds - current.changedAt >= graceSeconds) {
    await db.query(`ALTER USER ${name(a)} IDENTIFIED BY PASSWORD ?`, [want]);
    changes.push('retired');
  }
  if (a.database && a.access) {
    // In a grant, `_` and `%` in a database name are wildcards (`app_1` would also cover `appx1`): escaped.
    const pattern = a.database.replace(/[_%]/g, (c) => `\\${c}`);
    const [row] = await db.query<RowDataPacket[]>('SELECT Select_priv AS s, Insert_priv AS i FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?', [a.user, a.host, pattern]);
    const has = row ? (row.i === 'Y' ? 'readwrite' : row.s === 'Y' ? 'readonly' : null) : null;
    if (has !== a.access) {
      await db.query(`CREATE DATABASE IF NOT EXISTS \`${a.database}\``);
      // Granted before anything is taken away, so the user is never left without its database's privileges.
      await db.query(`GRANT ${DATABASE_PRIVILEGES[a.access]} ON \`${pattern}\`.* TO ${name(a)}`);
      if (a.access === 'readonly' && has === 'readwrite') await db.query(`REVOKE ${WRITE_PRIVILEGES} ON \`${pattern}\`.* FROM ${name(a)}`);
      changes.push('granted');
    }
  }
  return changes;
}
