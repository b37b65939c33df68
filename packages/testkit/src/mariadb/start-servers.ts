import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultClusterSpec, INSTALL_DB_ARGS, serverConfig, type ClusterSpec } from '@mysqlha/config';
import { makeMysqlTls, type MysqlTlsFiles } from '@mysqlha/kube-tools';
import { trackTempDir } from '../process/registry.js';
import { checkPortRange } from '../util/ports.js';
import { bootstrapSql } from './bootstrap-sql.js';
import { applyMyCnfSettings, type MyCnfSettings } from './my-cnf.js';
import { createSecrets, type Secrets } from './secrets.js';
import type { SpawnWrap } from '../net/pod-network.js';
import { MariaServer } from './server.js';

const run = promisify(execFile);

export interface StartServersOptions {
  count: number;
  /** mysql-N listens on portBase + N. */
  portBase: number;
  /** Parent dir for the servers' data; default a fresh mkdtemp dir, removed by stopAll. */
  dir?: string;
  /** my.cnf options for every server, over the cluster config and the per-server paths (null removes one). */
  settings?: MyCnfSettings;
  /** The cluster whose my.cnf every server starts from (default: the default ClusterSpec); pods are `${spec.name}-N`. */
  spec?: ClusterSpec;
  /** How each pod's mariadbd is started (PodNetwork.wrap); default directly. */
  wrap?: (pod: string) => SpawnWrap;
  /**
   * TLS as in a pod (default): one certificate for 127.0.0.1 from a fresh CA, and TCP without TLS refused. False:
   * no certificate, plain TCP accepted (to measure what TLS costs).
   */
  tls?: boolean;
}

/** Small InnoDB files and buffer pool, so that several servers start quickly side by side on one machine. */
const TEST_HOST_SETTINGS: MyCnfSettings = {
  innodb_buffer_pool_size: '128M',
  innodb_log_file_size: '48M',
  max_connections: 200,
};

/** The TLS options of the cluster's my.cnf, pointed at the local files, or taken out. */
function tlsSettings(tls: MysqlTlsFiles | undefined): MyCnfSettings {
  if (!tls) return { ssl_cert: null, ssl_key: null, ssl_ca: null, tls_version: null, require_secure_transport: false };
  return { ssl_cert: tls.cert, ssl_key: tls.key, ssl_ca: tls.ca };
}

function serverSettings(name: string, ordinal: number, port: number, dir: string): MyCnfSettings {
  const user = userInfo().username;
  return {
    server_id: ordinal + 1,
    report_host: name,
    port,
    bind_address: '127.0.0.1',
    socket: join(dir, 'mysqld.sock'),
    datadir: join(dir, 'data'),
    pid_file: join(dir, 'mysqld.pid'),
    tmpdir: join(dir, 'tmp'),
    log_error: join(dir, 'error.log'),
    slow_query_log_file: join(dir, 'slow.log'),
    // mariadbd refuses to run as root unless told to.
    ...(user === 'root' ? { user } : {}),
  };
}

async function installServer(server: MariaServer, secrets: Secrets): Promise<void> {
  mkdirSync(server.dataDir, { recursive: true });
  mkdirSync(join(server.dir, 'tmp'), { recursive: true });
  const initFile = join(server.dir, 'init.sql');
  writeFileSync(initFile, bootstrapSql(secrets), { mode: 0o600 });
  try {
    await run('mariadb-install-db', [`--defaults-file=${server.configFile}`, ...INSTALL_DB_ARGS, `--extra-file=${initFile}`]);
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${server.name}: mariadb-install-db failed: ${output.stderr ?? ''}${output.stdout ?? ''}\n${server.errorLogTail(25)}`,
    );
  } finally {
    rmSync(initFile, { force: true });
  }
}

/**
 * Initialises and starts `count` mariadbd servers named `mysql-0..N-1` on 127.0.0.1:portBase+N, from the cluster's
 * my.cnf (`serverConfig` of @mysqlha/config) with per-server ids, ports and paths, sharing one secrets dir, each with
 * an empty GTID state, read-only, not replicating. Resolves when all answer queries.
 */
export async function startServers(options: StartServersOptions): Promise<MariaServer[]> {
  const { count, portBase, settings = {}, spec = defaultClusterSpec() } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`startServers: count must be a positive integer, got ${count}`);
  checkPortRange('startServers', portBase, count);
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'mysqlha-servers-'));
  if (!options.dir) trackTempDir(root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const secrets = createSecrets(join(root, 'secrets'));
  const tls = options.tls === false ? undefined : await makeMysqlTls(join(root, 'tls'), { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 2 });
  const servers = Array.from({ length: count }, (_, ordinal) => {
    const name = `${spec.name}-${ordinal}`;
    const port = portBase + ordinal;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const perServer = serverSettings(name, ordinal, port, dir);
    const configFile = join(dir, 'my.cnf');
    const config = applyMyCnfSettings(serverConfig(spec), { ...TEST_HOST_SETTINGS, ...perServer, ...tlsSettings(tls), ...settings });
    writeFileSync(configFile, config);
    const server = new MariaServer(name, ordinal, port, secrets, {
      dir,
      dataDir: String(perServer.datadir),
      socketPath: String(perServer.socket),
      pidFile: String(perServer.pid_file),
      configFile,
      errorLog: String(perServer.log_error),
      tls,
    });
    server.spawnWrap = options.wrap?.(name);
    return server;
  });
  await Promise.all(servers.map((server) => installServer(server, secrets)));
  await Promise.all(servers.map((server) => server.start()));
  return servers;
}
