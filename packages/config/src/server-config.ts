import { parseQuantity } from './spec/checks.js';
import type { ClusterSpec, MyCnfValue } from './spec/types.js';
import { POD_PATHS, TLS_FILES } from './paths.js';

/** Written per pod by `agent init`, never in the shared ConfigMap. */
export const PER_POD_SERVER_SETTINGS = ['server_id', 'report_host'] as const;

/** The `[mysqld]` settings the HA contract depends on, in the order they are written. */
function ownedSettings(spec: ClusterSpec): [string, MyCnfValue][] {
  return [
    ['datadir', POD_PATHS.datadir],
    ['socket', POD_PATHS.socket],
    ['pid_file', POD_PATHS.pidFile],
    ['tmpdir', POD_PATHS.tmpDir],
    ['bind_address', '0.0.0.0'],
    ['port', spec.ports.mysql],
    ['skip_name_resolve', true],
    // Only the agent makes a server writable, and only while it holds the Lease.
    ['read_only', true],
    // Replication starts when the agent has chosen a source, never on its own after a restart.
    ['skip_slave_start', true],
    // Crash recovery truncates transactions that were binlogged but possibly never acknowledged by a replica.
    ['init_rpl_role', 'SLAVE'],
    ['log_bin', 'mysql-bin'],
    ['log_bin_index', 'mysql-bin.index'],
    ['relay_log', 'mysql-relay-bin'],
    ['relay_log_index', 'mysql-relay-bin.index'],
    ['binlog_format', 'ROW'],
    ['log_slave_updates', true],
    ['gtid_strict_mode', true],
    // A replica acknowledges what its relay log holds: the agent applies an unapplied tail after a crash instead
    // of letting recovery discard it, and each received event is on disk before it is acknowledged.
    ['relay_log_recovery', false],
    ['sync_relay_log', 1],
    ['sync_binlog', 1],
    ['innodb_flush_log_at_trx_commit', 1],
    // The agent switches semi-sync on: the source side on the leader only, once a replica is attached.
    ['rpl_semi_sync_master_enabled', false],
    ['rpl_semi_sync_slave_enabled', false],
    ['rpl_semi_sync_master_timeout', spec.ha.semiSyncTimeoutMs],
    // Other sessions see a commit only after a replica has it, so a failover never un-commits a read.
    ['rpl_semi_sync_master_wait_point', 'AFTER_SYNC'],
    // Runs the dead-man switch the agent installs: read_only once a leading agent stops re-arming it.
    ['event_scheduler', true],
    ['slow_query_log', true],
    ['slow_query_log_file', POD_PATHS.slowLog],
    ['long_query_time', spec.server.slowQueryThresholdSeconds],
    // TLS for clients and replication; `FLUSH SSL` (the agent's, when the Secret's certificate changes) re-reads them.
    ['ssl_cert', `${POD_PATHS.tlsDir}/${TLS_FILES.cert}`],
    ['ssl_key', `${POD_PATHS.tlsDir}/${TLS_FILES.key}`],
    ['ssl_ca', `${POD_PATHS.tlsDir}/${TLS_FILES.ca}`],
    ['tls_version', 'TLSv1.2,TLSv1.3'],
    ['require_secure_transport', spec.tls.requireSecureTransport],
    ['innodb_buffer_pool_size', Math.ceil(parseQuantity(spec.server.innodbBufferPoolSize)!)],
    ['max_connections', spec.server.maxConnections],
  ];
}

function normalize(option: string): string {
  return option.replaceAll('-', '_');
}

/**
 * Why an extra `[mysqld]` option may not be set, or undefined if it may. Options mysqlha writes itself are
 * reserved, and so is all of semi-sync, which the agent drives at run time.
 */
export function reservedServerSetting(option: string, spec: ClusterSpec): string | undefined {
  const name = normalize(option);
  const viaSpec: Record<string, string> = {
    innodb_buffer_pool_size: 'server.innodbBufferPoolSize',
    max_connections: 'server.maxConnections',
    long_query_time: 'server.slowQueryThresholdSeconds',
    rpl_semi_sync_master_timeout: 'ha.semiSyncTimeoutMs',
    port: 'ports.mysql',
    require_secure_transport: 'tls.requireSecureTransport',
  };
  if (viaSpec[name]) return `reserved: set ${viaSpec[name]} instead`;
  if ((PER_POD_SERVER_SETTINGS as readonly string[]).includes(name)) return 'reserved: agent init sets it per pod';
  if (name.startsWith('rpl_semi_sync_')) return 'reserved: the agent switches semi-sync at run time';
  if (ownedSettings(spec).some(([key]) => key === name)) return 'reserved: the HA contract depends on this setting';
  return undefined;
}

function render(value: MyCnfValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  return String(value);
}

/**
 * The `my.cnf` of the ConfigMap: every server setting except the per-pod ones. The `[mysqld]` group comes
 * last so that `agent init` can append `server_id` and `report_host` to it.
 */
export function serverConfig(spec: ClusterSpec): string {
  const extra = Object.entries(spec.server.extra).sort(([a], [b]) => a.localeCompare(b));
  const lines = [
    '# Server settings of the mysqlha cluster, generated from its ClusterSpec.',
    '# agent init copies this file to /run/mysqlha/my.cnf and appends server_id and report_host.',
    '[client-server]',
    `socket = ${POD_PATHS.socket}`,
    `port = ${spec.ports.mysql}`,
    '',
    '[mysqld]',
    ...ownedSettings(spec).map(([key, value]) => `${key} = ${render(value)}`),
    ...(extra.length > 0 ? ['', '# ClusterSpec server.extra', ...extra.map(([key, value]) => `${key} = ${render(value)}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}
