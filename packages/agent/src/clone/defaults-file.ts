import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretValue } from '../settings/secrets.js';

export interface ServerConnection {
  /** Unix socket of the local server; preferred over host/port when set. */
  socket?: string;
  host?: string;
  port?: number;
  user?: string;
  /** File holding the password (a key of the credentials Secret). */
  passwordFile?: string;
  /** PEM CA bundle: the tool connects over TLS and checks the server's certificate and host name; empty: plain TCP. */
  sslCaFile?: string;
}

/** Option files take double-quoted values with backslash escapes. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Writes a 0600 option file with the connection settings and password, so mariabackup gets them
 * through `--defaults-extra-file` and never on its command line. Returns its path and a cleanup.
 */
export async function writeDefaultsExtraFile(
  connection: ServerConnection,
  serverDefaultsFile?: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const lines = [`user = ${quote(connection.user ?? 'root')}`];
  if (connection.passwordFile) {
    let password: string;
    try {
      password = secretValue(await readFile(connection.passwordFile, 'utf8'));
    } catch (error) {
      throw new Error(`password file ${connection.passwordFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    lines.push(`password = ${quote(password)}`);
  }
  if (connection.socket) lines.push(`socket = ${quote(connection.socket)}`);
  if (connection.host) lines.push(`host = ${quote(connection.host)}`);
  if (connection.port) lines.push(`port = ${connection.port}`);
  if (connection.sslCaFile) lines.push(`ssl-ca = ${quote(connection.sslCaFile)}`, 'ssl-verify-server-cert');
  const body = lines.join('\n');
  // mariabackup takes only one of --defaults-file and --defaults-extra-file, so the server's own
  // option file (InnoDB layout, datadir) comes in by !include. mariabackup reads its connection
  // options from its own group, after the server's, so these win.
  const include = serverDefaultsFile ? `!include ${serverDefaultsFile}\n\n` : '';
  const text = `${include}[client]\n${body}\n\n[mariabackup]\n${body}\n`;
  const dir = await mkdtemp(join(tmpdir(), 'mysqlha-clone-'));
  const path = join(dir, 'client.cnf');
  await writeFile(path, text, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
