import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_SPEC, parseClusterSpec, serverConfig } from '../src/index.js';

const run = promisify(execFile);

/** What the real mariadbd makes of a config file: its effective option values, or its complaint. */
async function effectiveOptions(file: string): Promise<Map<string, string>> {
  const { stdout } = await run('mariadbd', [`--defaults-file=${file}`, '--verbose', '--help'], { maxBuffer: 8 << 20 });
  const options = new Map<string, string>();
  const table = stdout.slice(stdout.indexOf('\n---'));
  for (const line of table.split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (match) options.set(match[1]!, match[2]!.trim());
  }
  return options;
}

describe('serverConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mysqlha-mycnf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is accepted by the real mariadbd with the settings the HA contract needs', async () => {
    const file = join(dir, 'my.cnf');
    // Per-pod lines are appended by agent init; the file must end in the [mysqld] group for that to work.
    await writeFile(file, `${serverConfig(DEFAULT_CLUSTER_SPEC)}server_id = 7\nreport_host = mysql-0.mysql\n`);
    const options = await effectiveOptions(file);
    expect(Object.fromEntries([...options].filter(([key]) => EXPECTED[key] !== undefined))).toEqual(EXPECTED);
  });

  it('carries the spec values and extra settings', async () => {
    const spec = parseClusterSpec({
      ha: { semiSyncTimeoutMs: 30000 },
      server: { maxConnections: 42, slowQueryThresholdSeconds: 0.5, innodbBufferPoolSize: '256Mi', extra: { wait_timeout: 600 } },
    });
    const file = join(dir, 'custom.cnf');
    await writeFile(file, serverConfig(spec));
    const options = await effectiveOptions(file);
    expect(options.get('rpl-semi-sync-master-timeout')).toBe('30000');
    expect(options.get('max-connections')).toBe('42');
    expect(options.get('long-query-time')).toBe('0.5');
    expect(options.get('innodb-buffer-pool-size')).toBe(String(256 * 2 ** 20));
    expect(options.get('wait-timeout')).toBe('600');
  });

  it('holds no password', () => {
    expect(serverConfig(DEFAULT_CLUSTER_SPEC)).not.toMatch(/password/i);
  });
});

const EXPECTED: Record<string, string> = {
  'server-id': '7',
  'report-host': 'mysql-0.mysql',
  datadir: '/var/lib/mysql/data/',
  socket: '/run/mysqlha/mysqld.sock',
  'bind-address': '0.0.0.0',
  port: '3306',
  'skip-name-resolve': 'TRUE',
  'read-only': 'TRUE',
  'skip-slave-start': 'TRUE',
  'init-rpl-role': 'SLAVE',
  'log-bin': 'mysql-bin',
  'binlog-format': 'ROW',
  'log-slave-updates': 'TRUE',
  'gtid-strict-mode': 'TRUE',
  'relay-log-recovery': 'FALSE',
  'sync-relay-log': '1',
  'sync-binlog': '1',
  'innodb-flush-log-at-trx-commit': '1',
  'rpl-semi-sync-master-enabled': 'FALSE',
  'rpl-semi-sync-slave-enabled': 'FALSE',
  'rpl-semi-sync-master-timeout': '4294967295',
  'event-scheduler': 'ON',
  'rpl-semi-sync-master-wait-point': 'AFTER_SYNC',
  'slow-query-log': 'TRUE',
  'slow-query-log-file': '/var/log/mysql/slow.log',
  'innodb-buffer-pool-size': String(512 * 2 ** 20),
  'max-connections': '500',
};
