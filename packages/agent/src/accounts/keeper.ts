import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changeReplicationLogin, type ReplicationLogin, type ReplicationState } from '../db/ops.js';
import type { Session } from '../db/mysql.js';
import { sourceServesVerifiedTls } from '../db/source-tls.js';
import { readSecret, secretPresent } from '../settings/secrets.js';
import { LOCAL_ACCOUNTS, localAccountStatements, nativePasswordHash, readUsersFile, REPLICATION_ACCOUNT, SYSTEM_ACCOUNTS, type ManagedAccount } from '@mysqlha/config';
import { reconcileAccount, stored } from './reconcile.js';

/** How often the leader compares accounts with the Secret and users.yaml, and a follower its replication password. */
export const ACCOUNTS_EVERY_MS = 5000;

export interface AccountKeeperOptions {
  /** mysqlha_admin, which a read-only server refuses: used for nothing else, and never spared by the fence. */
  accounts: Session;
  /** root, quiet and outside the binlog: CHANGE MASTER (its password stays out of every log), local accounts. */
  admin: Session;
  db: Session;
  /** This pod leads and its server is writable, as far as the loop knows. */
  leading: () => boolean;
  secretsDir: string;
  usersFile: string;
  dataDir: string;
  graceSeconds: number;
  /** The CA replication verifies its source against (agent.yaml tlsCaFile); empty: replication without TLS. */
  tlsCaFile: string;
  /** Whether this server requires TLS on TCP (`require_secure_transport`): replication then never goes without it. */
  requireSecureTransport: () => boolean;
  log: { info(m: string): void; error(m: string): void };
  emit(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * Keeps the server's accounts what the Secret and the overlay's users.yaml say (docs/runtime.md, "Accounts"),
 * including a rotated password, with no failed login: on the leader, whose statements replicate, and for the
 * replication password on each follower, whose IO thread logs in with it.
 */
export class AccountKeeper {
  private lastRun = -Infinity;
  private lastError = '';
  private running: Promise<void> | null = null;
  /** The local accounts' passwords last applied; null: not yet since this agent started. */
  private localKey: string | null = null;
  /** The last notice that replication runs without TLS, logged once. */
  private plainNotice = '';

  constructor(private readonly o: AccountKeeperOptions) {}

  private due(now: number): boolean {
    if (now - this.lastRun < ACCOUNTS_EVERY_MS) return false;
    this.lastRun = now;
    return true;
  }

  private failed(what: string, err: unknown): void {
    const message = `${what}: ${(err as Error).message}`;
    if (message !== this.lastError) {
      this.o.log.error(message);
      this.o.emit('Warning', 'AccountsNotApplied', message);
    }
    this.lastError = message;
  }

  /**
   * The leader, writable: every managed account as declared. Runs beside the loop, never in it: its statements
   * are binlogged and wait for a replica's acknowledgement like any client's, and must not hold up a renew.
   */
  onLeader(now: number): void {
    if (this.running || !this.due(now)) return;
    this.running = this.reconcileAll().finally(() => {
      this.running = null;
    });
  }

  private async reconcileAll(): Promise<void> {
    let accounts: ManagedAccount[];
    try {
      accounts = [...SYSTEM_ACCOUNTS, ...readUsersFile(this.o.usersFile)];
    } catch (err) {
      return this.failed('application users not applied', err);
    }
    const failures: string[] = [];
    for (const a of accounts) {
      if (!this.o.leading()) return;
      try {
        const password = readSecret(this.o.secretsDir, a.passwordKey);
        const changes = await reconcileAccount(this.o.accounts, a, password, this.o.graceSeconds, Math.floor(Date.now() / 1000));
        if (changes.length > 0) {
          const message = `account ${a.user}@${a.host}: ${changes.join(', ')}${changes.includes('rotated') ? ` (the previous password stays valid for ${this.o.graceSeconds} s)` : ''}`;
          this.o.log.info(message);
          this.o.emit('Normal', 'AccountUpdated', message);
        }
      } catch (err) {
        // A server fenced meanwhile refuses the statement: expected, not worth an Event.
        if (!this.o.leading()) return;
        failures.push(`${a.user}@${a.host}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) return this.failed('accounts not applied', new Error(failures.join('; ')));
    this.lastError = '';
  }

  /** Ends its session: a statement under way (waiting for an acknowledgement, say) fails rather than hang a stop. */
  close(): void {
    this.o.accounts.close();
  }

  /**
   * The accounts used on this server only (the agent's, the clone's, mysqlha_admin): created if missing (a
   * datadir older than them) and given the Secret's passwords, by root outside the binlog, whenever those change.
   * Each pod does it for itself, so a pod whose Secret changes first never locks its own agent out.
   */
  async ensureLocal(): Promise<void> {
    // An optional account (the exporter's) is kept only while its key is in the Secret; a required key that is
    // missing stops this, as it did before optional accounts existed.
    const kept = LOCAL_ACCOUNTS.filter((a) => !a.optional || secretPresent(this.o.secretsDir, a.passwordKey));
    const passwords = kept.map((a) => readSecret(this.o.secretsDir, a.passwordKey));
    const key = kept.map((a, i) => `${a.user}\n${passwords[i]}`).join('\n');
    if (key === this.localKey) return;
    await this.o.admin.query('SET SESSION sql_log_bin = 0');
    for (const [i, a] of kept.entries()) {
      for (const sql of localAccountStatements(a, passwords[i]!)) await this.o.admin.query(sql);
    }
    if (this.localKey !== null) this.o.log.info(`local accounts given the Secret's passwords: ${kept.map((a) => a.user).join(', ')}`);
    this.localKey = key;
  }

  /** Whether the leader has `password` for repl@%: its ALTER USER replicated here, so this server's copy accepts it. */
  private async leaderAccepts(password: string): Promise<boolean> {
    const repl = await stored(this.o.admin, REPLICATION_ACCOUNT);
    return repl?.hashes.includes(nativePasswordHash(password)) ?? false;
  }

  /**
   * How to log in to the leader at `source`: with the Secret's password once the leader has it, until then the one
   * in use; over TLS verified against the CA when one is configured. Without TLS only while this server does not
   * require it either (the first step of switching TLS on in a running cluster, docs/runtime.md "TLS") and the
   * source serves no certificate the CA verifies: a source running a release without TLS. `tlsWorks`: the IO thread
   * is connected to it over TLS verified against the CA, so there is nothing to ask the source.
   */
  async replicationLogin(source: { host: string; port: number }, tlsWorks = false): Promise<ReplicationLogin> {
    const want = readSecret(this.o.secretsDir, 'replication-password');
    const password = (await this.leaderAccepts(want)) ? want : (passwordInUse(this.o.dataDir) ?? want);
    const login = { user: REPLICATION_ACCOUNT.user, password, sslCaFile: this.o.tlsCaFile };
    if (!login.sslCaFile || tlsWorks || this.o.requireSecureTransport()) return login;
    if ((await sourceServesVerifiedTls({ ...source, ...login }, 2000)) !== 'no') return login;
    const message = `${source.host}:${source.port} serves no certificate ${login.sslCaFile} verifies; replicating from it without TLS while require_secure_transport is OFF here`;
    if (message !== this.plainNotice) this.o.log.error(message);
    this.plainNotice = message;
    return { ...login, sslCaFile: '' };
  }

  /**
   * A replicating follower: its IO thread logs in as replicationLogin says, whether the Secret's password reached
   * the leader since, or TLS was switched on (the source would refuse a plain login) after it last connected.
   */
  async onFollower(now: number, replication: ReplicationState | null): Promise<void> {
    if (!replication || replication.ioRunning === 'No' || !this.due(now)) return;
    try {
      // Without this, a server that does not require TLS would ask its source every 5 s for as long as it replicates.
      const tlsWorks = replication.ioRunning === 'Yes' && replication.sslCaFile !== '' && replication.sslCaFile === this.o.tlsCaFile;
      const login = await this.replicationLogin({ host: replication.sourceHost, port: replication.sourcePort }, tlsWorks);
      const inUse = passwordInUse(this.o.dataDir);
      // master.info unread: what the IO thread logs in with is unknown, and the leader may not have the Secret's yet.
      if (inUse === null) return;
      const changed = [
        ...(inUse !== login.password ? ['the replication password of the Secret'] : []),
        ...(replication.sslCaFile !== login.sslCaFile ? [login.sslCaFile ? `TLS verified against ${login.sslCaFile}` : 'no TLS'] : []),
      ];
      if (changed.length === 0) return;
      if (await changeReplicationLogin(this.o.db, this.o.admin, login, 1000)) this.o.log.info(`replication now logs in with ${changed.join(' and ')}`);
    } catch (err) {
      this.failed('replication login not updated', err);
    }
  }
}

/** The password the IO thread logs in with: line 6 of master.info, which CHANGE MASTER writes. */
function passwordInUse(dataDir: string): string | null {
  try {
    return readFileSync(join(dataDir, 'master.info'), 'utf8').split('\n')[5] ?? null;
  } catch {
    return null;
  }
}
