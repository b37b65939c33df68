/** Paths inside a mysqlha pod (docs/runtime.md, "Paths"). */
export const POD_PATHS = {
  dataVolume: '/var/lib/mysql',
  datadir: '/var/lib/mysql/data',
  configDir: '/etc/mysqlha',
  runDir: '/run/mysqlha',
  serverConfig: '/run/mysqlha/my.cnf',
  socket: '/run/mysqlha/mysqld.sock',
  pidFile: '/run/mysqlha/mysqld.pid',
  agentSocket: '/run/mysqlha/agent.sock',
  logDir: '/var/log/mysql',
  slowLog: '/var/log/mysql/slow.log',
  secretsDir: '/var/run/secrets/mysqlha',
  /** The TLS Secret: `tls.crt`, `tls.key`, `ca.crt` (TLS_FILES). */
  tlsDir: '/var/run/secrets/mysqlha-tls',
  agentConfig: '/etc/mysqlha/agent.yaml',
  tmpDir: '/tmp',
} as const;

/** Keys of the credentials Secret, one file each under POD_PATHS.secretsDir. */
export const SECRET_KEYS = ['root-password', 'replication-password', 'agent-password', 'clone-password', 'clone-token'] as const;
/** Keys only an optional component needs (the monitoring component's exporter): a Secret without them is fine. */
export const OPTIONAL_SECRET_KEYS = ['exporter-password'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number] | (typeof OPTIONAL_SECRET_KEYS)[number];

/** Files of the TLS Secret (a `kubernetes.io/tls` Secret, as cert-manager writes it), under POD_PATHS.tlsDir. */
export const TLS_FILES = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;
