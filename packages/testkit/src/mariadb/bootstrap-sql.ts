import { accountsSql, quoteSql } from '@mysqlha/config';
import type { Secrets } from './secrets.js';

/** The schema and table the write checker uses; created at bootstrap so every server starts with it. */
export const CHECK_SCHEMA = 'mysqlha_check';
export const CHECK_TABLE = 'acked';
export const CHECKER_USER = 'mysqlha_check';

/**
 * SQL run by `mariadb-install-db --extra-file` in bootstrap mode, where nothing is binlogged: every fresh server
 * has the same empty GTID state and can replicate from any leader. The checker gets narrow grants, so that, like
 * an application, it cannot write to a server the agent made read-only.
 */
export function bootstrapSql(secrets: Secrets): string {
  return [
    // The production accounts, exactly as `agent init` creates them.
    accountsSql({ root: secrets.rootPassword, replication: secrets.replicationPassword, agent: secrets.agentPassword, clone: secrets.clonePassword, exporter: secrets.exporterPassword }),
    `CREATE DATABASE ${CHECK_SCHEMA};`,
    `CREATE TABLE ${CHECK_SCHEMA}.${CHECK_TABLE} (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL) ENGINE=InnoDB;`,
    `CREATE USER ${CHECKER_USER}@'127.0.0.1' IDENTIFIED BY ${quoteSql(secrets.checkerPassword)};`,
    `GRANT SELECT, INSERT ON ${CHECK_SCHEMA}.* TO ${CHECKER_USER}@'127.0.0.1';`,
    '',
  ].join('\n');
}
