import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultClusterSpec, POD_PATHS, serverConfig } from '@mysqlha/config';
import { makeMysqlTls, type MysqlTlsFiles } from '@mysqlha/kube-tools';
import { startFakeKube, type FakeKube } from '@mysqlha/testkit';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const PORT = 14900;

// Asynchronous: the fake API these commands call answers from this process.
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe('agent init against a real mariadbd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-init-'));
  const runDir = join(dir, 'run');
  const dataDir = join(dir, 'data');
  const secretsDir = join(dir, 'secrets');
  const configFile = join(dir, 'agent.yaml');
  const env = { POD_NAME: 'mysql-2', POD_NAMESPACE: 'db', MYSQLHA_CONFIG: configFile };
  let mariadbd: ChildProcess | undefined;
  let tls: MysqlTlsFiles;
  let kube: FakeKube;

  beforeAll(async () => {
    kube = await startFakeKube({ port: PORT + 20, namespace: 'db', pods: ['mysql-0', 'mysql-1', 'mysql-2'] });
    tls = await makeMysqlTls(join(dir, 'tls'), { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
    mkdirSync(secretsDir, { mode: 0o700 });
    writeFileSync(join(secretsDir, 'root-password'), "r00t'pw\n", { mode: 0o600 });
    writeFileSync(join(secretsDir, 'replication-password'), 'repl-pw\n', { mode: 0o600 });
    writeFileSync(join(secretsDir, 'agent-password'), 'agent-pw\n', { mode: 0o600 });
    writeFileSync(join(secretsDir, 'clone-password'), 'clone-pw\n', { mode: 0o600 });
    writeFileSync(join(secretsDir, 'exporter-password'), 'exporter-pw\n', { mode: 0o600 });
    // The ConfigMap's my.cnf, with this host's log path and loopback bind (as a test overlay would).
    const template = serverConfig(defaultClusterSpec())
      .replace('/var/log/mysql/slow.log', join(dir, 'slow.log'))
      .replace('bind_address = 0.0.0.0', 'bind_address = 127.0.0.1')
      .replaceAll(POD_PATHS.tlsDir, tls.dir);
    writeFileSync(join(dir, 'my.cnf'), template);
    // What an overlay adds to the ConfigMap to tune its environment.
    writeFileSync(join(dir, 'server-overrides.cnf'), '[mysqld]\nmax_connections = 77\n');
    writeFileSync(
      configFile,
      [`mysqlPort: ${PORT}`, `dataDir: ${dataDir}`, `runDir: ${runDir}`, `secretsDir: ${secretsDir}`, `kubeApiUrl: ${kube.url}`, `kubeTokenFile: ${kube.tokenFile('mysql-2')}`, 'peerAddresses:', `  mysql-2: {host: 127.0.0.1, mysqlPort: ${PORT}, httpPort: ${PORT + 10}}`, ''].join('\n'),
    );
  });

  afterAll(async () => {
    if (mariadbd?.pid && mariadbd.exitCode === null) {
      mariadbd.kill('SIGKILL');
      await new Promise((r) => mariadbd!.once('exit', r));
    }
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps an empty datadir with the accounts of the pod contract and no binlog events', async () => {
    const r = await cli(['init'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/server_id 3, report_host 127\.0\.0\.1/);
    expect(r.stdout).toMatch(/decision: bootstrap/);
    const cnf = readFileSync(join(runDir, 'my.cnf'), 'utf8');
    expect(cnf).toMatch(/^server_id = 3$/m);
    expect(cnf).toMatch(/^report_host = 127\.0\.0\.1$/m);
    expect(cnf).not.toContain("r00t'pw");
    expect(readdirSync(runDir).filter((f) => f.endsWith('.sql')), 'the init SQL file is deleted').toEqual([]);

    const args = [`--defaults-file=${join(runDir, 'my.cnf')}`];
    if (process.getuid?.() === 0) args.push('--user=root');
    mariadbd = spawn('mariadbd', args, { stdio: 'ignore' });
    let conn: mysql.Connection | undefined;
    for (let i = 0; i < 100 && !conn; i++) {
      conn = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root', password: "r00t'pw", ssl: { ca: readFileSync(tls.ca), verifyIdentity: true } }).catch(async () => {
        await new Promise((res) => setTimeout(res, 100));
        return undefined;
      });
    }
    expect(conn, 'root@127.0.0.1 logs in with the secret file password').toBeDefined();
    const [[v]] = (await conn!.query('SELECT @@server_id AS id, @@read_only AS ro, @@gtid_binlog_pos AS pos, @@report_host AS rh, @@max_connections AS maxConnections, @@require_secure_transport AS tls')) as any;
    expect(v).toEqual({ id: 3, ro: 1, pos: '', rh: '127.0.0.1', maxConnections: 77, tls: 1 });
    const [grants] = (await conn!.query("SHOW GRANTS FOR repl@'%'")) as any;
    // MariaDB 10.11 shows REPLICATION CLIENT under its new name, BINLOG MONITOR.
    expect(Object.values(grants[0]).join()).toMatch(/^GRANT REPLICATION SLAVE, BINLOG MONITOR ON \*\.\* TO `repl`@`%`/);
    // The monitoring component's account: status privileges only, three sessions at most.
    const [exporter] = (await conn!.query("SHOW GRANTS FOR mysqlha_exporter@localhost")) as any;
    expect(exporter.map((row: object) => Object.values(row).join())).toEqual([
      expect.stringMatching(/^GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON \*\.\* TO `mysqlha_exporter`@`localhost` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}' WITH MAX_USER_CONNECTIONS 3$/),
      'GRANT SELECT ON `performance_schema`.* TO `mysqlha_exporter`@`localhost`',
    ]);
    const repl = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'repl', password: 'repl-pw', ssl: { ca: readFileSync(tls.ca), verifyIdentity: true } });
    await repl.end();
    // The generated my.cnf requires TLS on TCP: the same login in plain text is refused.
    await expect(mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'repl', password: 'repl-pw' })).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    await conn!.end();
    mariadbd.kill('SIGTERM');
    await new Promise((res) => mariadbd!.once('exit', res));
  });

  it('starts a datadir that has data as is', async () => {
    const r = await cli(['init'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decision: start as is/);
    expect(existsSync(join(dataDir, 'mysql'))).toBe(true);
  });

  it('leaves a datadir that has data alone when asked to clone', async () => {
    const r = await cli(['clone'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clone: nothing to do: .* already holds data/);
  });

  it('leaves an empty datadir for the clone once the Lease shows the cluster has led, though no peer answers', async () => {
    kube.store.createLease({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'mysql-leader', namespace: 'db' }, spec: { holderIdentity: 'mysql-0', leaseDurationSeconds: 4 } }, 'mysql-0');
    const empty = join(dir, 'empty-data');
    try {
      const r = await cli(['init', '--data-dir', empty], env);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/decision: clone \(.* is empty and the Lease shows a cluster with data: mysql-0 holds it\)/);
      expect(existsSync(empty) ? readdirSync(empty) : [], 'nothing bootstrapped beside the cluster').toEqual([]);
      // A holder that never led released it without its name: the position its predecessor recorded remains.
      kube.editLease((lease) => {
        lease.spec.holderIdentity = '';
        lease.metadata.annotations = { 'mysqlha.io/position': '0-1-5' };
      });
      const released = await cli(['init', '--data-dir', empty], env);
      expect(released.stdout).toMatch(/decision: clone \(.* is empty and the Lease shows a cluster with data: a leader recorded position 0-1-5 in it\)/);
      // Whether the cluster has data cannot be told without the API: init fails (the kubelet retries it).
      kube.partition('mysql-2', 'drop');
      const cut = await cli(['init', '--data-dir', empty], env);
      expect(cut.code).toBe(1);
      expect(cut.stderr).toMatch(/cannot read the Lease db\/mysql-leader to learn whether this cluster has data/);
      expect(existsSync(empty) ? readdirSync(empty) : []).toEqual([]);
    } finally {
      kube.heal('mysql-2');
      kube.deleteLease();
    }
  });

  it('stops on a bad setting, naming the key and what was expected', async () => {
    const r = await cli(['init', '--mysql-port', 'x'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('agent: bad setting: flag --mysql-port: mysqlPort: expected an integer port between 1 and 65535, got "x"\n');
  });
});

describe('agent CLI', () => {
  it('has --help on every command', async () => {
    for (const cmd of ['init', 'clone', 'run', 'status', 'switchover']) {
      const r = await cli([cmd, '--help'], {});
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`^agent ${cmd}`));
    }
    expect((await cli(['--help'], {})).stdout).toMatch(/Commands:/);
    expect((await cli(['frobnicate'], {})).code).toBe(2);
  });

  it('refuses a misspelt flag, a bare argument or a missing value before doing anything, and says what it takes', async () => {
    const typo = await cli(['switchover', '--too', 'mysql-1', '--run-dir', '/nonexistent'], { MYSQLHA_CONFIG: '/dev/null' });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^agent switchover: Unknown option '--too'.*expected --to VALUE, --if-leader or a setting flag/);
    const bare = await cli(['switchover', 'mysql-1'], { MYSQLHA_CONFIG: '/dev/null' });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^agent switchover: Unexpected argument 'mysql-1'/);
    const missing = await cli(['switchover', '--to'], { MYSQLHA_CONFIG: '/dev/null' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^agent switchover: Option '--to <value>' argument missing/);
    expect((await cli(['run', '--http-prot', '8080'], {})).code).toBe(2);
  });

  it('explains that status needs a running agent', async () => {
    const r = await cli(['status', '--run-dir', '/nonexistent'], { MYSQLHA_CONFIG: '/dev/null' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the agent at \/nonexistent\/agent.sock/);
  });
});
