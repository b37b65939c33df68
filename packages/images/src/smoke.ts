import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { detectBuilder, runEngine, type Builder } from './builder.js';
import { IMAGES } from './build.js';
import { containersEnv } from './containers.js';
import { imageVersion, workDir } from './repo.js';
import { createRunner, type Runner, type StepLog } from './steps.js';

/** Loopback ports of the smoke run. */
export const SMOKE_PORTS = { mysql: 16201, cloned: 16203, donorServer: 16211, donor: 16212 };

export interface SmokeOptions {
  root: string;
  log?: StepLog;
}

/** The part of the clone module the smoke run drives on the host side. */
interface CloneModule {
  startCloneDonor(options: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
}

const UID = 999;

/**
 * Runs the built images the way a pod does (uid 999, read-only root filesystem, the pod's mount
 * points) and checks each does its job: the mysql image serves on loopback and its probe and
 * preStop hook work; the agent image answers `agent --help` and receives a clone from a donor
 * running on the host, which the mysql image then starts from.
 */
export async function smokeImages(options: SmokeOptions): Promise<void> {
  const { root } = options;
  const env = await containersEnv(root);
  const builder = await detectBuilder(env);
  const engine = runEngine(builder);
  const runner = createRunner(workDir(root, 'logs'), options.log, 4);
  const version = imageVersion(root);
  const mysqlImage = `${IMAGES.mysql.name}:${version}`;
  const agentImage = `${IMAGES.agent.name}:${version}`;
  await mkdir(workDir(root, 'smoke'), { recursive: true });
  const scratch = await mkdtemp(join(workDir(root, 'smoke'), 'run-'));
  const containers: string[] = [];
  const processes: ChildProcess[] = [];
  let donor: { close(): Promise<void> } | undefined;

  const podRun = (step: string, image: string, args: string[], mounts: Record<string, string>, extra: string[] = []): Promise<string> =>
    runner.run(step, engine, [
      'run', '--rm', '--read-only', '--tmpfs', '/tmp', '--user', `${UID}:${UID}`, '--network', 'host',
      ...Object.entries(mounts).flatMap(([host, inside]) => ['-v', `${host}:${inside}`]),
      ...extra, image, ...args,
    ], { env });

  try {
    await runner.step(`${agentImage}: agent --help, Node 20, tools of the server's version`, async () => {
      const help = await podRun('agent help', agentImage, ['agent', '--help'], {});
      if (!/clone/.test(help)) throw new Error(`agent --help does not mention the clone command:\n${help}`);
      const node = (await podRun('agent node', agentImage, ['node', '--version'], {})).trim();
      if (!node.startsWith('v20.')) throw new Error(`the agent image runs Node ${node}, expected v20`);
      const backup = mariadbVersion(await podRun('agent mariabackup', agentImage, ['sh', '-c', 'mariabackup --version 2>&1'], {}));
      const server = mariadbVersion(await podRun('mysql version', mysqlImage, ['mariadbd', '--version'], {}));
      if (backup !== server) throw new Error(`mariabackup ${backup} in the agent image, mariadbd ${server} in the mysql image: they must match`);
      // The monitoring component's exporter container runs the mysql image's wrapper: without its password file it
      // waits (it never exits, so the pod stays ready), and it finds mysqld_exporter.
      const exporter = await podRun('mysql exporter', mysqlImage, ['sh', '-c', 'prometheus-mysqld-exporter --version 2>&1; timeout 3 mysqlha-exporter 2>&1; echo "exit $?"'], {});
      if (!/mysqld_exporter, version/.test(exporter) || !/waiting for the exporter password at .*\nexit 124/.test(exporter)) throw new Error(`the mysql image's exporter is not as the monitoring component expects:\n${exporter}`);
      runner.log(`  node ${node}, MariaDB ${server} in both images, ${/mysqld_exporter, version \S+/.exec(exporter)![0]} in the mysql image`);
    });

    await runner.step(`${mysqlImage}: serves on 127.0.0.1:${SMOKE_PORTS.mysql}, probe works, preStop asks the agent`, async () => {
      const pod = await podDirs(join(scratch, 'mysql'), SMOKE_PORTS.mysql);
      await podRun('mysql install-db', mysqlImage, ['mariadb-install-db', '--defaults-file=/run/mysqlha/my.cnf', '--skip-test-db', '--auth-root-authentication-method=normal'], pod.mounts);
      const name = `mysqlha-smoke-mysql-${process.pid}`;
      containers.push(name);
      await podRun('mysql start', mysqlImage, [], pod.mounts, ['-d', '--name', name]);
      await waitForPing(runner, engine, env, name);
      const answer = await sql(runner, 'mysql query', SMOKE_PORTS.mysql, 'SELECT CONCAT(@@version, " ", @@datadir, " ", CURRENT_USER())', scratch);
      if (!answer.includes('/var/lib/mysql/data/')) throw new Error(`unexpected answer from the mysql container: ${answer}`);
      // Client tools find the pod's socket without arguments.
      await runner.run('mysql client defaults', engine, ['exec', name, 'mariadb-admin', 'ping'], { env });
      await runner.run('mysql prestop', engine, ['exec', name, '/usr/local/bin/mysqlha-prestop'], { env });
      await prestopAsksTheAgent(runner, engine, env, name, join(scratch, 'mysql', 'run'));
      await runner.run('mysql slow log', engine, ['exec', name, 'test', '-f', '/var/log/mysql/slow.log'], { env });
      runner.log(`  ${answer.trim()}`);
    });

    await runner.step('clone from a donor on the host into the agent image, start the mysql image on it', async () => {
      const clone = (await import(pathToFileURL(join(root, 'packages/agent/dist/clone/index.js')).href)) as CloneModule;
      const source = await hostServer(runner, join(scratch, 'donor'), SMOKE_PORTS.donorServer, processes);
      const secrets = join(scratch, 'secrets');
      await mkdir(secrets, { recursive: true });
      const token = `smoke-${process.pid}-${Date.now()}`;
      await writeFile(join(secrets, 'clone-token'), token, { mode: 0o440 });
      await chown(join(secrets, 'clone-token'), 0, UID);
      donor = await clone.startCloneDonor({
        host: '127.0.0.1',
        port: SMOKE_PORTS.donor,
        tokenFile: join(secrets, 'clone-token'),
        mysql: { socket: source.socket, user: 'root' },
        serverDefaultsFile: source.cnf,
        dataDir: source.dataDir,
        mayDonate: () => true,
        logger: { info: () => undefined, warn: runner.log, error: runner.log },
      });
      const pod = await podDirs(join(scratch, 'cloned'), SMOKE_PORTS.cloned);
      const receive = `
        import { runClone } from '/opt/mysqlha/packages/agent/dist/clone/index.js';
        const result = await runClone({
          dataDir: '/var/lib/mysql/data',
          tokenFile: '/var/run/secrets/mysqlha/clone-token',
          candidates: () => [{ name: 'host-donor', url: 'http://127.0.0.1:${SMOKE_PORTS.donor}', role: 'leader', healthy: true }],
          attempts: 2,
        });
        console.log(JSON.stringify(result));`;
      const out = await podRun('agent receives a clone', agentImage, ['node', '--input-type=module', '-e', receive], {
        ...pod.mounts,
        [secrets]: '/var/run/secrets/mysqlha:ro',
      });
      if (!out.includes('"outcome":"cloned"')) throw new Error(`the clone did not complete: ${out}`);
      const name = `mysqlha-smoke-cloned-${process.pid}`;
      containers.push(name);
      await podRun('cloned start', mysqlImage, [], pod.mounts, ['-d', '--name', name]);
      await waitForPing(runner, engine, env, name);
      const rows = (await sql(runner, 'cloned query', SMOKE_PORTS.cloned, 'SELECT COUNT(*) FROM smoke.t', scratch)).trim();
      if (rows !== '1000') throw new Error(`the cloned server has ${rows} rows in smoke.t, the donor 1000`);
      runner.log(`  cloned ${rows} rows; the mysql image started on the agent image's copy`);
    });
  } finally {
    await runner.step('clean up', async () => {
      await donor?.close();
      for (const name of containers) await runner.run('clean up', engine, ['rm', '-f', '-t', '5', name], { env }).catch(() => undefined);
      for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
      await rm(scratch, { recursive: true, force: true });
    });
  }
}

/**
 * With an agent listening on /run/mysqlha/agent.sock, the preStop hook asks it for a planned
 * switchover and reports its answer; here a stand-in agent on the host answers through the mount.
 */
async function prestopAsksTheAgent(runner: Runner, engine: string, env: NodeJS.ProcessEnv, container: string, runDir: string): Promise<void> {
  const requests: string[] = [];
  const agent = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"switched":true,"to":"mysql-1"}');
  });
  const socket = join(runDir, 'agent.sock');
  await new Promise<void>((resolve) => agent.listen(socket, resolve));
  try {
    await chown(socket, UID, UID);
    const out = await runner.run('mysql prestop with agent', engine, ['exec', container, '/usr/local/bin/mysqlha-prestop'], { env });
    if (requests[0] !== 'POST /switchover?reason=prestop' || !out.includes('"switched":true')) {
      throw new Error(`preStop sent ${JSON.stringify(requests)} and printed "${out.trim()}"; expected POST /switchover?reason=prestop`);
    }
  } finally {
    await new Promise((resolve) => agent.close(resolve));
  }
}

function mariadbVersion(text: string): string {
  const match = /(\d+\.\d+\.\d+)-MariaDB/.exec(text);
  if (!match) throw new Error(`no MariaDB version in "${text.trim()}"`);
  return match[1]!;
}

/** The pod's writable mounts under `dir`, owned by 999, with the my.cnf `agent init` would write. */
async function podDirs(dir: string, port: number): Promise<{ mounts: Record<string, string> }> {
  const mounts = { [join(dir, 'lib')]: '/var/lib/mysql', [join(dir, 'run')]: '/run/mysqlha', [join(dir, 'log')]: '/var/log/mysql' };
  for (const host of Object.keys(mounts)) {
    await mkdir(host, { recursive: true });
    await chown(host, UID, UID);
  }
  await writeFile(
    join(dir, 'run', 'my.cnf'),
    [
      '[mysqld]',
      'datadir = /var/lib/mysql/data',
      'socket = /run/mysqlha/mysqld.sock',
      'pid-file = /run/mysqlha/mysqld.pid',
      `port = ${port}`,
      'bind-address = 127.0.0.1',
      'server_id = 100',
      'log_bin = mysql-bin',
      'innodb_buffer_pool_size = 64M',
      'slow_query_log = ON',
      'slow_query_log_file = /var/log/mysql/slow.log',
      '',
    ].join('\n'),
  );
  return { mounts };
}

async function waitForPing(runner: Runner, engine: string, env: NodeJS.ProcessEnv, name: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      // The probe exactly as the StatefulSet runs it.
      await runner.run('mysql probe', engine, ['exec', name, 'mariadb-admin', '--no-defaults', '--socket=/run/mysqlha/mysqld.sock', 'ping'], { env });
      return;
    } catch (error) {
      if (i >= 100) throw error;
      await sleep(200);
    }
  }
}

/** One query over TCP as root, credentials (none on these fresh servers) from a 0600 file. */
async function sql(runner: Runner, step: string, port: number, query: string, scratch: string): Promise<string> {
  const cnf = join(scratch, `client-${port}.cnf`);
  await writeFile(cnf, `[client]\nuser = root\nhost = 127.0.0.1\nport = ${port}\nprotocol = TCP\n`, { mode: 0o600 });
  return runner.run(step, 'mariadb', [`--defaults-extra-file=${cnf}`, '--batch', '--skip-column-names', '-e', query]);
}

/** A host mariadbd with a little data, the donor's server. */
async function hostServer(
  runner: Runner,
  dir: string,
  port: number,
  processes: ChildProcess[],
): Promise<{ socket: string; cnf: string; dataDir: string }> {
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const cnf = join(dir, 'my.cnf');
  await mkdir(dir, { recursive: true });
  await writeFile(
    cnf,
    `[mysqld]\nuser = root\ndatadir = ${dataDir}\nsocket = ${socket}\nport = ${port}\nbind-address = 127.0.0.1\n` +
      `log-error = ${join(dir, 'error.log')}\npid-file = ${join(dir, 'mysqld.pid')}\nserver_id = 1\nlog_bin = mysql-bin\n`,
  );
  await runner.run('donor install-db', 'mariadb-install-db', [`--defaults-file=${cnf}`, '--skip-test-db', '--auth-root-authentication-method=normal']);
  const child = spawn('mariadbd', [`--defaults-file=${cnf}`], { stdio: 'ignore' });
  processes.push(child);
  for (let i = 0; ; i++) {
    try {
      await runner.run('donor ping', 'mariadb-admin', [`--socket=${socket}`, 'ping']);
      break;
    } catch (error) {
      if (i >= 100 || child.exitCode !== null) throw error;
      await sleep(100);
    }
  }
  const seed = join(dir, 'seed.sql');
  await writeFile(seed, 'CREATE DATABASE smoke;\nCREATE TABLE smoke.t (id INT PRIMARY KEY) ENGINE=InnoDB;\nINSERT INTO smoke.t SELECT seq FROM smoke.seq_1_to_1000;\n');
  await chmod(seed, 0o600);
  await runner.run('donor seed', 'mariadb', [`--socket=${socket}`, '-uroot'], { input: createReadStream(seed) });
  return { socket, cnf, dataDir };
}
