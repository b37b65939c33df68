import { spawn } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackGroup, trackTempDir } from '../process/registry.js';
import { repoRoot } from '../util/files.js';
import type { MariaServer } from '../mariadb/server.js';

/**
 * The mysql image's exporter wrapper (docker/mysql/mysqlha-exporter) run as the monitoring component's container
 * runs it: Debian's mysqld_exporter, logged in as mysqlha_exporter over the server's Unix socket with the password
 * from the secrets dir. Killed with its process group by stopAll.
 */
export function startExporter(server: MariaServer, port: number, logFile: string): void {
  const log = openSync(logFile, 'a');
  // Its own TMPDIR, as the container's emptyDir: the option file with the password goes there.
  const tmp = mkdtempSync(join(tmpdir(), 'mysqlha-exporter-'));
  trackTempDir(tmp);
  const child = spawn(join(repoRoot(), 'docker', 'mysql', 'mysqlha-exporter'), [], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      TMPDIR: tmp,
      MYSQLHA_EXPORTER_PASSWORD_FILE: join(server.secrets.dir, 'exporter-password'),
      MYSQLHA_SOCKET: server.socketPath,
      MYSQLHA_EXPORTER_LISTEN: `127.0.0.1:${port}`,
    },
  });
  trackGroup(child);
}
