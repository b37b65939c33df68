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
  agentConfig: '/etc/mysqlha/agent.yaml',
  tmpDir: '/tmp',
} as const;

/** Keys of the credentials Secret, one file each under POD_PATHS.secretsDir. */
export const SECRET_KEYS = ['root-password', 'replication-password', 'agent-password', 'clone-password', 'clone-token'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
