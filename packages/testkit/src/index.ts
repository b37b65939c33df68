export { stopAll } from './process/registry.js';
export { MariaServer } from './mariadb/server.js';
export { startServers, type StartServersOptions } from './mariadb/start-servers.js';
export { replicateFrom, waitApplied } from './mariadb/replication.js';
export type { Secrets } from './mariadb/secrets.js';
export type { MyCnfSettings, MyCnfValue } from './mariadb/my-cnf.js';
export { CHECK_SCHEMA, CHECK_TABLE, CHECKER_USER } from './mariadb/bootstrap-sql.js';
export { waitFor, sleep, type WaitOptions } from './util/wait.js';
export { now } from './util/clock.js';
