import { createHash } from 'node:crypto';
import type { SecretKey } from './paths.js';

/**
 * The server accounts of docs/runtime.md ("Accounts"), created at bootstrap (`mariadb-install-db --extra-file`,
 * where nothing is binlogged). Every login uses a password: no unix_socket account, and none for the OS user.
 */

/** A string literal for SQL. */
export function quoteSql(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** mariadb-install-db arguments besides the paths. */
export const INSTALL_DB_ARGS: readonly string[] = ['--skip-test-db'];

/** The agent's own account, for everything its HA loop does; it connects over 127.0.0.1. */
export const AGENT_ACCOUNT = { user: 'mysqlha_agent', host: '127.0.0.1' } as const;
/**
 * The account the leader's agent keeps accounts with: root's privileges but READ_ONLY ADMIN, so a server that is
 * no longer writable refuses its statements, whatever the agent's loop believes. It logs in with root's password.
 */
export const ADMIN_ACCOUNT = { user: 'mysqlha_admin', host: '127.0.0.1' } as const;
/** The account mariabackup streams a clone with, on the donor. */
export const CLONE_ACCOUNT = { user: 'mysqlha_clone', host: '127.0.0.1' } as const;
export const REPLICATION_ACCOUNT = { user: 'repl', host: '%' } as const;
/** The account mysqld_exporter (the monitoring component) reads status with, over the pod's Unix socket. */
export const EXPORTER_ACCOUNT = { user: 'mysqlha_exporter', host: 'localhost' } as const;
/**
 * The users whose sessions the fence leaves alone (server threads, the replicas' dump threads), beside the
 * agent's own sessions. No application user may be named like one (users.yaml), or it could hold the fence back.
 */
export const FENCE_SPARED_USERS: readonly string[] = ['system user', 'event_scheduler', REPLICATION_ACCOUNT.user, 'mariadb.sys', 'unauthenticated user'];

/**
 * What the agent's loop runs, statement by statement (docs/runtime.md lists which needs which):
 * read_only on and off (READ_ONLY ADMIN), replication threads and their source (REPLICATION SLAVE ADMIN, RELOAD
 * for RESET SLAVE), the semi-sync source side and the replicas it sees (REPLICATION MASTER ADMIN), replication
 * status (SLAVE MONITOR, BINLOG MONITOR), the sessions it kills when it fences (PROCESS, CONNECTION ADMIN), the
 * dead-man switch's deadline written outside the binlog (BINLOG ADMIN for sql_log_bin), and SHUTDOWN before a
 * re-clone. Nothing that reads or writes application data.
 */
export const AGENT_GLOBAL_PRIVILEGES: readonly string[] = [
  'BINLOG ADMIN',
  'BINLOG MONITOR',
  'CONNECTION ADMIN',
  'PROCESS',
  'READ_ONLY ADMIN',
  'RELOAD',
  'REPLICATION MASTER ADMIN',
  'REPLICATION SLAVE ADMIN',
  'SHUTDOWN',
  'SLAVE MONITOR',
];
/** The schema of the dead-man switch (db/deadman.ts in the agent), and its table holding the deadline. */
export const DEADMAN_SCHEMA = 'mysqlha';
export const DEADMAN_TABLE = `${DEADMAN_SCHEMA}.fence`;
/** Creates them if missing: at bootstrap, so the agent's grant can name the table, and when the agent installs the switch. */
export const DEADMAN_TABLE_SQL = [
  `CREATE DATABASE IF NOT EXISTS ${DEADMAN_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${DEADMAN_TABLE} (id TINYINT UNSIGNED PRIMARY KEY, deadline DATETIME(3) NOT NULL) ENGINE=InnoDB`,
] as const;
/** The dead-man switch's deadline: the one table the agent's account may touch. */
export const AGENT_TABLE_PRIVILEGES = { table: DEADMAN_TABLE, privileges: ['SELECT', 'UPDATE'] } as const;
/** What mariabackup --backup needs of the server it copies. */
export const CLONE_GLOBAL_PRIVILEGES: readonly string[] = ['BINLOG MONITOR', 'LOCK TABLES', 'PROCESS', 'RELOAD'];
/**
 * What mysqld_exporter's default collectors read: the process list, binlog and replica status, and
 * performance_schema; nothing of the application's data. Three sessions at most, so a stuck scrape cannot use up
 * the server's connections.
 */
export const EXPORTER_GRANTS: readonly string[] = [
  'GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO {account}',
  // A separate statement: mariadb-install-db aborts on a GRANT ... WITH MAX_USER_CONNECTIONS.
  'ALTER USER {account} WITH MAX_USER_CONNECTIONS 3',
  'GRANT SELECT ON performance_schema.* TO {account}',
];
/** BINLOG MONITOR is what MariaDB 10.11 calls REPLICATION CLIENT. */
export const REPLICATION_GLOBAL_PRIVILEGES: readonly string[] = ['BINLOG MONITOR', 'REPLICATION SLAVE'];

/**
 * mysql_native_password's stored form of a password. Accounts are written with it, never with the password, so
 * no statement (nor the binlog, when one replicates) carries a password.
 */
export function nativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/** An account used only on its own server (by that pod's agent or mariabackup), so each pod keeps it itself. */
export interface LocalAccount {
  readonly user: string;
  readonly host: string;
  readonly passwordKey: SecretKey;
  /** Kept only while its password key is in the Secret (an optional component's account). */
  readonly optional?: true;
  /** Its privileges, as statements with `{account}` in place of the account. */
  readonly grants: readonly string[];
}

export const LOCAL_ACCOUNTS: readonly LocalAccount[] = [
  {
    ...ADMIN_ACCOUNT,
    passwordKey: 'root-password',
    grants: ['GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION', 'REVOKE READ_ONLY ADMIN ON *.* FROM {account}'],
  },
  {
    ...AGENT_ACCOUNT,
    passwordKey: 'agent-password',
    grants: [
      `GRANT ${AGENT_GLOBAL_PRIVILEGES.join(', ')} ON *.* TO {account}`,
      `GRANT ${AGENT_TABLE_PRIVILEGES.privileges.join(', ')} ON ${AGENT_TABLE_PRIVILEGES.table} TO {account}`,
    ],
  },
  { ...CLONE_ACCOUNT, passwordKey: 'clone-password', grants: [`GRANT ${CLONE_GLOBAL_PRIVILEGES.join(', ')} ON *.* TO {account}`] },
  { ...EXPORTER_ACCOUNT, passwordKey: 'exporter-password', optional: true, grants: EXPORTER_GRANTS },
];

export function accountName(a: { user: string; host: string }): string {
  return `${quoteSql(a.user)}@${quoteSql(a.host)}`;
}

/**
 * Creates a local account, or sets its password and privileges, idempotently. The caller runs these with
 * `sql_log_bin = 0` (each pod keeps its own) as root, which a read-only server lets through.
 */
export function localAccountStatements(a: LocalAccount, password: string): string[] {
  const name = accountName(a);
  const hash = quoteSql(nativePasswordHash(password));
  return [`CREATE USER IF NOT EXISTS ${name} IDENTIFIED BY PASSWORD ${hash}`, `ALTER USER ${name} IDENTIFIED BY PASSWORD ${hash}`, ...a.grants.map((g) => g.replace('{account}', name))];
}

export interface AccountPasswords {
  root: string;
  replication: string;
  agent: string;
  clone: string;
  /** Absent when the Secret has no exporter-password: the account is then not created. */
  exporter?: string;
}

export function accountsSql(p: AccountPasswords): string {
  const passwords: Partial<Record<SecretKey, string>> = { 'root-password': p.root, 'agent-password': p.agent, 'clone-password': p.clone, ...(p.exporter !== undefined ? { 'exporter-password': p.exporter } : {}) };
  return [
    // Bootstrap starts with grant tables unloaded; account statements need them.
    'FLUSH PRIVILEGES',
    // mariadb-install-db gives root@localhost unix_socket OR a password, and the OS user that ran it an account
    // with every privilege through unix_socket alone: root keeps the password only, the OS user's account goes.
    `ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING ${quoteSql(nativePasswordHash(p.root))}`,
    "DELETE FROM mysql.global_priv WHERE User NOT IN ('root', 'mariadb.sys')",
    "DELETE FROM mysql.proxies_priv WHERE User NOT IN ('root', '')",
    'FLUSH PRIVILEGES',
    `CREATE USER root@'127.0.0.1' IDENTIFIED BY PASSWORD ${quoteSql(nativePasswordHash(p.root))}`,
    `GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION`,
    `CREATE USER ${accountName(REPLICATION_ACCOUNT)} IDENTIFIED BY PASSWORD ${quoteSql(nativePasswordHash(p.replication))}`,
    `GRANT ${REPLICATION_GLOBAL_PRIVILEGES.join(', ')} ON *.* TO ${accountName(REPLICATION_ACCOUNT)}`,
    // The dead-man switch's table exists from the start, so the agent's grant can name it.
    ...DEADMAN_TABLE_SQL,
    ...LOCAL_ACCOUNTS.flatMap((a) => (passwords[a.passwordKey] === undefined ? [] : localAccountStatements(a, passwords[a.passwordKey]!))),
    '',
  ].join(';\n');
}
