import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';

const run = promisify(execFile);

export interface Server {
  dir: string;
  dataDir: string;
  socket: string;
  port: number;
  cnf: string;
  process?: ChildProcess;
  connect(): Promise<mysql.Connection>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const ROOT_PASSWORD = 'r00t "pass\\word';

/**
 * One mariadbd on loopback with the settings the cluster's servers use for replication
 * (binlog, GTID strict mode, log_slave_updates). `dir` is a fresh directory; the datadir is
 * `dir/data`, like the pod's `/var/lib/mysql/data`.
 */
export function server(dir: string, port: number): Server {
  const s: Server = {
    dir,
    dataDir: join(dir, 'data'),
    socket: join(dir, 'mysqld.sock'),
    port,
    cnf: join(dir, 'my.cnf'),
    connect: () =>
      mysql.createConnection({ socketPath: s.socket, user: 'root', password: ROOT_PASSWORD, multipleStatements: true }),
    async start() {
      const child = spawn('mariadbd', [`--defaults-file=${s.cnf}`], { stdio: 'ignore' });
      s.process = child;
      for (let i = 0; i < 300; i++) {
        if (child.exitCode !== null) throw new Error(`mariadbd on ${port} exited ${child.exitCode}; see ${dir}/error.log`);
        try {
          await run('mariadb-admin', [`--socket=${s.socket}`, '--connect-timeout=1', 'ping'], { timeout: 5000 });
          return;
        } catch {
          await sleep(100);
        }
      }
      throw new Error(`mariadbd on ${port} did not answer`);
    },
    async stop() {
      const child = s.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await gone;
      clearTimeout(timer);
    },
  };
  return s;
}

export async function writeConfig(s: Server, serverId: number): Promise<void> {
  await mkdir(s.dir, { recursive: true });
  await writeFile(
    s.cnf,
    [
      '[mysqld]',
      'user = root',
      `datadir = ${s.dataDir}`,
      `socket = ${s.socket}`,
      `pid-file = ${join(s.dir, 'mysqld.pid')}`,
      `log-error = ${join(s.dir, 'error.log')}`,
      `port = ${s.port}`,
      'bind-address = 127.0.0.1',
      `server_id = ${serverId}`,
      'log_bin = mysql-bin',
      'log_slave_updates = ON',
      'gtid_strict_mode = ON',
      'binlog_format = ROW',
      'skip-name-resolve',
      'innodb_buffer_pool_size = 128M',
      'innodb_log_file_size = 64M',
      '',
    ].join('\n'),
  );
}

/** A bootstrapped server with a root password (read by the tools from a file). */
export async function bootstrapServer(dir: string, port: number, serverId: number): Promise<Server> {
  const s = server(dir, port);
  await writeConfig(s, serverId);
  await run('mariadb-install-db', [`--defaults-file=${s.cnf}`, '--skip-test-db', '--auth-root-authentication-method=normal'], { timeout: 60000 });
  await s.start();
  const c = await mysql.createConnection({ socketPath: s.socket, user: 'root' });
  await c.query('ALTER USER root@localhost IDENTIFIED BY ?', [ROOT_PASSWORD]);
  await c.end();
  return s;
}

/** A server whose datadir comes from elsewhere (a clone). */
export async function emptyServer(dir: string, port: number, serverId: number): Promise<Server> {
  const s = server(dir, port);
  await writeConfig(s, serverId);
  return s;
}
