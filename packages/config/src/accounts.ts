/**
 * The server accounts of docs/runtime.md ("Credentials"), created at bootstrap (`mariadb-install-db --extra-file`,
 * where nothing is binlogged). Every login uses a password: no unix_socket account, and none for the OS user.
 */
function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** mariadb-install-db arguments besides the paths. */
export const INSTALL_DB_ARGS: readonly string[] = ['--skip-test-db'];

export function accountsSql(rootPassword: string, replicationPassword: string): string {
  return [
    // Bootstrap starts with grant tables unloaded; account statements need them.
    'FLUSH PRIVILEGES;',
    // mariadb-install-db gives root@localhost unix_socket OR a password, and the OS user that ran it an account
    // with every privilege through unix_socket alone: root keeps the password only, the OS user's account goes.
    `ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD(${quote(rootPassword)});`,
    "DELETE FROM mysql.global_priv WHERE User NOT IN ('root', 'mariadb.sys');",
    "DELETE FROM mysql.proxies_priv WHERE User NOT IN ('root', '');",
    'FLUSH PRIVILEGES;',
    `CREATE USER root@'127.0.0.1' IDENTIFIED BY ${quote(rootPassword)};`,
    `GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;`,
    `CREATE USER repl@'%' IDENTIFIED BY ${quote(replicationPassword)};`,
    `GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO repl@'%';`,
    '',
  ].join('\n');
}
