/**
 * The server accounts of docs/runtime.md ("Credentials"), created at bootstrap (`mariadb-install-db --extra-file`,
 * where nothing is binlogged). Every login uses a password: no unix_socket account, and none for the OS user.
 */
function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** mariadb-install-db arguments besides the paths: no test database, and normal (password) authentication for root. */
export const INSTALL_DB_ARGS: readonly string[] = ['--skip-test-db', '--auth-root-authentication-method=normal'];

export function accountsSql(rootPassword: string, replicationPassword: string): string {
  return [
    // Bootstrap starts with grant tables unloaded; account statements need them.
    'FLUSH PRIVILEGES;',
    `ALTER USER root@localhost IDENTIFIED BY ${quote(rootPassword)};`,
    `CREATE USER root@'127.0.0.1' IDENTIFIED BY ${quote(rootPassword)};`,
    `GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;`,
    `CREATE USER repl@'%' IDENTIFIED BY ${quote(replicationPassword)};`,
    `GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO repl@'%';`,
    '',
  ].join('\n');
}
