import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { accountsSql, INSTALL_DB_ARGS, POD_PATHS } from '@mysqlha/config';
import { readRecloneMarker, recloneMarkerPath } from '../clone/index.js';
import { commandKube, fetchStatus, listPeers, peerAddress } from '../ha/peers.js';
import type { AgentStatus } from '../ha/status.js';
import { readSecret, secretPresent } from '../settings/secrets.js';
import { loadSettings, parseFlags, podOrdinal, serverConfigTemplate, type AgentSettings } from '../settings/settings.js';

export const INIT_HELP = `agent init [--template FILE] [--config FILE] [--<setting> VALUE ...]

Prepares this pod's server before mysqld starts:
  - writes runDir/my.cnf: the ConfigMap's my.cnf (--template, default: my.cnf next to agent.yaml),
    then server-overrides.cnf from the same directory when an overlay adds it (an environment's
    buffer pool, connection limits), then server_id (pod ordinal + 1) and report_host;
  - decides what to do with the datadir and prints it:
      start as is   the datadir has data;
      clone         the datadir is empty, and the Lease shows a cluster with data (a holder, a last holder,
                    a recorded position or members), or a peer's server runs and leads, follows or holds a
                    transaction: left empty for \`agent clone\` (which fails, and is retried, until a peer
                    can donate);
      re-clone      the re-clone marker (RECLONE beside the datadir) exists: \`agent run\` is replacing a
                    diverged datadir, nothing is touched here;
      bootstrap     the datadir is empty, the Lease shows no data, and no peer has such data (a new cluster;
                    to start a cluster over from nothing, delete its Lease): mariadb-install-db,
                    then the root and repl accounts from the secret files, created in bootstrap mode so they
                    write no binlog events.`;

/** The optional ConfigMap key an overlay adds to tune the server for its environment. */
export const SERVER_OVERRIDES = 'server-overrides.cnf';

/** The pod's server config: the shared template, then what differs per pod (and per host, in tests). */
export function podServerConfig(template: string, s: AgentSettings): string {
  const self = peerAddress(s, s.podName);
  const lines = ['', '# Written by agent init for this pod.', '[mysqld]', `server_id = ${podOrdinal(s.podName) + 1}`, `report_host = ${self.host}`];
  const socket = join(s.runDir, 'mysqld.sock');
  if (s.dataDir !== POD_PATHS.datadir) lines.push(`datadir = ${s.dataDir}`);
  if (s.runDir !== POD_PATHS.runDir) lines.push(`socket = ${socket}`, `pid_file = ${join(s.runDir, 'mysqld.pid')}`);
  if (s.mysqlPort !== 3306) lines.push(`port = ${s.mysqlPort}`);
  const out = template.replace(/\n*$/, '\n') + lines.join('\n') + '\n';
  if (s.runDir !== POD_PATHS.runDir || s.mysqlPort !== 3306) {
    // Clients (mariadb-admin ping in the probe) read [client-server]; keep it pointing at this server.
    return out + `\n[client-server]\nsocket = ${socket}\nport = ${s.mysqlPort}\n`;
  }
  return out;
}

export function datadirHasData(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

function runTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}:\n${out.slice(-4000)}`))));
  });
}

export async function bootstrapDatadir(s: AgentSettings, configFile: string): Promise<void> {
  mkdirSync(s.dataDir, { recursive: true });
  const sqlFile = join(s.runDir, `bootstrap-${process.pid}.sql`);
  const passwords = {
    root: readSecret(s.secretsDir, 'root-password'),
    replication: readSecret(s.secretsDir, 'replication-password'),
    agent: readSecret(s.secretsDir, 'agent-password'),
    clone: readSecret(s.secretsDir, 'clone-password'),
    ...(secretPresent(s.secretsDir, 'exporter-password') ? { exporter: readSecret(s.secretsDir, 'exporter-password') } : {}),
  };
  writeFileSync(sqlFile, accountsSql(passwords), { mode: 0o600 });
  try {
    const args = [`--defaults-file=${configFile}`, `--datadir=${s.dataDir}`, ...INSTALL_DB_ARGS, `--extra-file=${sqlFile}`];
    // mariadbd refuses to run as root unless told which account to use.
    if (process.getuid?.() === 0) args.push(`--user=${userInfo().username}`);
    await runTool('mariadb-install-db', args);
  } finally {
    rmSync(sqlFile, { force: true });
  }
}

export async function init(argv: string[]): Promise<number> {
  const s = loadSettings({ argv });
  if (!s.podName) throw new Error('POD_NAME is not set: init derives server_id from the pod ordinal');
  const { flags } = parseFlags(argv);
  const templatePath = flags.get('--template') ?? serverConfigTemplate(s);
  let template: string;
  try {
    template = readFileSync(templatePath, 'utf8');
  } catch (err) {
    throw new Error(`--template ${templatePath}: cannot read the server config template: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // Overlays tune the server through this one extra ConfigMap key instead of copying the whole my.cnf; later
  // settings win in an option file, so it goes after the template and before what must differ per pod.
  const overridesPath = join(dirname(templatePath), SERVER_OVERRIDES);
  if (existsSync(overridesPath)) template = `${template.replace(/\n*$/, '\n')}\n# ${SERVER_OVERRIDES} (from the overlay)\n${readFileSync(overridesPath, 'utf8')}`;
  mkdirSync(s.runDir, { recursive: true });
  const configFile = join(s.runDir, 'my.cnf');
  writeFileSync(configFile, podServerConfig(template, s));
  process.stdout.write(`wrote ${configFile} (server_id ${podOrdinal(s.podName) + 1}, report_host ${peerAddress(s, s.podName).host})\n`);

  const marker = await readRecloneMarker(s.dataDir);
  if (marker) {
    process.stdout.write(`decision: re-clone under way (${recloneMarkerPath(s.dataDir)}: ${marker.reason}): left to agent run\n`);
    return 0;
  }
  if (datadirHasData(s.dataDir)) {
    process.stdout.write(`decision: start as is (${s.dataDir} has data)\n`);
    return 0;
  }
  const shown = await leaseShowsData(s);
  if (shown) {
    process.stdout.write(`decision: clone (${s.dataDir} is empty and the Lease shows a cluster with data: ${shown}): left empty for agent clone\n`);
    return 0;
  }
  const peersWithData = await peersHoldingData(s);
  if (peersWithData.length > 0) {
    process.stdout.write(`decision: clone (${s.dataDir} is empty and ${peersWithData.join(', ')} ${peersWithData.length === 1 ? 'has' : 'have'} data): left empty for agent clone\n`);
    return 0;
  }
  await bootstrapDatadir(s, configFile);
  process.stdout.write(`decision: bootstrap (${s.dataDir} was empty): installed system tables and the root and repl accounts\n`);
  return 0;
}

/** Whether a peer's /status shows data a new pod should clone rather than bootstrap beside. */
export function hasData(status: AgentStatus | null): boolean {
  return status !== null && status.mysql.up && (status.role !== 'none' || status.mysql.binlogPos !== '' || status.mysql.receivedPos !== '');
}

/**
 * What in the Lease shows that this cluster has data, '' when nothing does (a new cluster, or a Lease deleted by
 * hand). A holder, a last holder, a recorded position or a members record each do: only a pod with data is ever
 * elected, and a nameless release by a holder that never led still leaves the last leader's position. A pod with
 * an empty datadir in such a cluster must clone, even when it reaches no peer now (their names not resolving
 * yet, a NetworkPolicy, peers restarting): bootstrapping beside their data would start a second history. Not being
 * able to read the Lease is an error, for the same reason.
 */
async function leaseShowsData(s: AgentSettings): Promise<string> {
  let lease;
  try {
    lease = await commandKube(s).getLease();
  } catch (err) {
    throw new Error(`cannot read the Lease ${s.namespace}/${s.leaseName} to learn whether this cluster has data: ${(err as Error).message}`);
  }
  if (!lease) return '';
  if (lease.holder) return `${lease.holder} holds it`;
  if (lease.lastHolder) return `${lease.lastHolder} held it last`;
  if (lease.position) return `a leader recorded position ${lease.position} in it`;
  if (lease.members !== null) return 'a leader recorded its members in it';
  return '';
}

async function peersHoldingData(s: AgentSettings): Promise<string[]> {
  // Peers that do not answer hold no data we could clone (a cluster that is only starting). Not being able
  // to list the peers at all is an error: bootstrapping next to a cluster that has data would be wrong.
  let names: string[];
  try {
    names = await listPeers(s);
  } catch (err) {
    throw new Error(`cannot list the cluster's pods to look for a peer with data: ${(err as Error).message}`);
  }
  // A peer has data to clone once its server runs and it leads, follows or holds a transaction. Not by its binlog
  // position alone: that is empty for up to a loop after a new cluster's first writes, and a pod added then
  // bootstrapped beside them. Not by a running server alone: every pod of a new cluster bootstraps, and one that
  // came up first, with no role yet and nothing in it, is no donor (agent clone would find none, forever).
  const found = await Promise.all(names.map(async (n) => (hasData(await fetchStatus(peerAddress(s, n), 1000)) ? n : null)));
  return found.filter((n): n is string => n !== null);
}
