import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_ACCOUNT, AGENT_ACCOUNT } from '@mysqlha/config';
import { AccountKeeper } from '../accounts/keeper.js';
import { clearClonedPosition, readClonedPosition, type CloneDonorStatus } from '../clone/index.js';
import { foreignBeyond, gtidAtLeast, gtidEqual, parseGtidPos } from '../db/gtid.js';
import { MysqlDown, Session, classify } from '../db/mysql.js';
import {
  becomeWritable,
  finishReplication,
  observeLocal,
  replicateFrom,
  setSemiSyncSource,
  sqlBroken,
  startReplication,
  stopReceiving,
  stopReplication,
  waitApplied,
  type LocalServer,
} from '../db/ops.js';
import { armDeadman, DEADMAN_PERIOD_MS, installDeadman } from '../db/deadman.js';
import { RelayLogKeeper } from '../db/relay-log.js';
import { Kube, LeaseConflict, positionBody, statusCode } from '../kube/client.js';
import { readSecret, type SecretKey } from '../settings/secrets.js';
import { podOrdinal, type AgentSettings } from '../settings/settings.js';
import { decide, election, type Action, type Decision, type LocalView, type Observation, type PeerView } from './decide.js';
import { Fence } from './fence.js';
import { LeaseClock } from './lease-clock.js';
import { PeerAuth } from './peer-auth.js';
import { electionOpen, sealedByPod, sealPosition, withPublished } from './published.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { announceRenew, fetchStatus, freezePeer, nudge, peerAddress, waitPeerApplied } from './peers.js';
import type { AgentStatus } from './status.js';

/** The shortest gap between cycles that nudges (peers' /cycle calls, Lease changes) can bring about. */
const NUDGE_GAP_MS = 100;

/** Replication errors that mean this server's history is not a prefix of the source's. */
const DIVERGED_ERRNOS = new Set([1236, 1950]);

export interface SwitchoverResult {
  from: string;
  to: string;
  readOnlyMs: number;
}

/**
 * The HA loop of one pod: observe (own mysqld, the Lease, the peers), decide (a pure function),
 * act. Every cycle, the switchover and the renew watchdog run one at a time.
 */
export class Agent {
  readonly metrics = new Metrics();
  private readonly db: Session;
  /** The fence, on a session of its own (ha/fence.ts). */
  private readonly fencer: Fence;
  /** The watchdog's ping of a leader's mysqld, so the fence's session carries nothing else. */
  private readonly pingDb: Session;
  /** A peer's /wait-applied during a handover, one at a time, never on a leader. */
  private readonly applyDb: Session;
  private readonly adminDb: Session;
  private readonly accounts: AccountKeeper;
  private readonly relayLog: RelayLogKeeper;
  /** Signs this agent's calls to peers and checks theirs (peer-auth.ts). */
  readonly peerAuth: PeerAuth;
  private applying = false;
  private readonly kube: Kube;
  /** The Lease as last seen, its age, and the holder's renew deadlines (ha/lease-clock.ts). */
  private readonly clock: LeaseClock;
  private readonly ordinal: number;
  private readonly kubeTimeoutMs: number;
  private readonly peerTimeoutMs: number;

  private leading = false;
  /** This pod stepped down (or passed its renew deadline) and has not yet confirmed read_only: never release the Lease meanwhile. */
  private fenceOwed = false;
  /** Which of its session's connections this pod became the writable leader on (Session.connections). */
  private ledOnConnection: number | null = null;
  private deadmanInstalled = false;
  private setUpError = '';
  /** When the last cycle finished: /healthz fails when the loop stops completing cycles. */
  private lastCycleAt = performance.now();
  /** Since when a leader has had no semi-sync replica attached (null while one is). */
  private noSemiSyncSince: number | null = null;
  private ackStalledSince: number | null = null;
  private ackedSeen = -1;
  private publishedKey = '';
  private publishedVersion: string | null = null;
  private ownPublicationRead = false;
  private refusedLoggedAt = -Infinity;
  /** While leading: the pods that may hold a write this leader acknowledged, recorded in the Lease at each renew. */
  private termMembers: Set<string> | null = null;
  private noticeReading = false;
  private freezing = false;
  /** Sticky: the leader rejected this server's history (error 1236). */
  private diverged: string | null = null;
  /** This cycle's reason to refuse replication, from the position check before connecting. */
  private refusal: string | null = null;
  private lastReason = '';
  private lastReasonKey = '';
  private decisionSince = new Date();
  private labelled: 'leader' | 'follower' | null = null;
  private waitingFor: string[] = [];
  private local: LocalServer | null = null;
  private localError: string | null = null;
  private peers: string[] = [];
  private peersListedAt = -Infinity;
  private lastEventKey = '';
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private nudged = false;
  /** This cycle was asked for (a nudge): observe everything afresh. */
  private nudgedCycle = true;
  private pinging = false;
  /** This cycle's action was to follow the holder. */
  private following = false;
  /** Set when the clone donor runs next to the loop. */
  cloneStatus: (() => CloneDonorStatus) | null = null;
  /** Set when diverged pods re-clone themselves: told on every cycle that refuses to replicate, with what it holds of other servers'. */
  onRefuse: ((reason: string, foreign: readonly string[], confirmed: boolean) => void) | null = null;
  /** Transactions another server wrote that this refusing pod holds and the leader lacks: an operator decides. */
  private holdsForeign: string[] = [];

  constructor(
    readonly s: AgentSettings,
    private readonly log: Logger,
  ) {
    this.ordinal = podOrdinal(s.podName);
    this.kubeTimeoutMs = Math.max(200, Math.min(2 * s.loopIntervalMs, Math.floor((s.renewDeadlineMs - s.loopIntervalMs) / 2)));
    this.peerTimeoutMs = Math.max(150, Math.floor(Math.min(s.loopIntervalMs, 1000) * 0.8));
    this.clock = new LeaseClock(s);
    const localServer = (user: string, passwordKey: SecretKey) => () => ({ host: s.mysqlHost, port: s.mysqlPort, user, password: readSecret(s.secretsDir, passwordKey), sslCaFile: s.tlsCaFile });
    const target = localServer(AGENT_ACCOUNT.user, 'agent-password');
    const dbTimeout = Math.max(500, s.loopIntervalMs * 2);
    this.db = new Session(target, dbTimeout);
    // root, only for the statement that carries a credential (CHANGE MASTER: its session keeps it out of the
    // general log) and for installing the dead-man switch under its definer.
    this.adminDb = new Session(localServer('root', 'root-password'), dbTimeout, { quiet: true });
    this.fencer = new Fence(target, dbTimeout);
    this.pingDb = new Session(target, dbTimeout);
    this.applyDb = new Session(target, dbTimeout);
    this.peerAuth = new PeerAuth(s.secretsDir, s.podName);
    this.accounts = new AccountKeeper({
      // Quiet: an account statement carries a password's hash, which logs in as well as the password would.
      accounts: new Session(localServer(ADMIN_ACCOUNT.user, 'root-password'), 10_000, { quiet: true }),
      leading: () => this.leading && this.local !== null && !this.local.readOnly && !this.fenceOwed,
      admin: this.adminDb,
      db: this.db,
      secretsDir: s.secretsDir,
      usersFile: s.usersFile,
      dataDir: s.dataDir,
      graceSeconds: s.passwordGraceSeconds,
      tlsCaFile: s.tlsCaFile,
      requireSecureTransport: () => this.local?.requireSecureTransport ?? true,
      log: this.log,
      emit: (type, reason, message) => this.emit(type, reason, message),
    });
    this.relayLog = new RelayLogKeeper({
      db: this.db,
      dataDir: s.dataDir,
      connection: { host: s.mysqlHost, port: s.mysqlPort, user: 'root', passwordFile: join(s.secretsDir, 'root-password'), sslCaFile: s.tlsCaFile },
    });
    this.kube = new Kube({
      namespace: s.namespace,
      leaseName: s.leaseName,
      leaseDurationMs: s.leaseDurationMs,
      timeoutMs: this.kubeTimeoutMs,
      kubeApiUrl: s.kubeApiUrl,
      kubeTokenFile: s.kubeTokenFile,
      podName: s.podName,
    });
    this.metrics.setRole('none');
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  start(): void {
    const loop = async () => {
      while (!this.stopped) {
        const began = performance.now();
        try {
          await this.exclusive(() => this.cycle());
        } catch (err) {
          this.log.error(`cycle failed: ${(err as Error).message}`);
        }
        this.lastCycleAt = performance.now();
        // A nudge runs the next cycle early, but never sooner than NUDGE_GAP_MS after this one began: a storm of
        // /cycle calls costs at most ten cycles a second.
        const elapsed = performance.now() - began;
        const rest = this.nudged ? Math.max(0, NUDGE_GAP_MS - elapsed) : Math.min(Math.max(0, this.s.loopIntervalMs - elapsed), this.clock.untilExpiry(this.leading));
        this.nudgedCycle = this.nudged;
        this.nudged = false;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, rest);
        });
        this.wake = null;
        this.nudgedCycle ||= this.nudged;
        this.nudged = false;
      }
    };
    void loop();
    this.watchdog = setInterval(() => void this.checkRenewDeadline(), Math.max(50, Math.floor(this.s.loopIntervalMs / 5)));
  }

  /**
   * A renew notice only prompts a read of the Lease (at most one per NUDGE_GAP_MS): what it says is never
   * trusted, so a forged notice can neither postpone an expiry nor move the holder.
   */
  leaseRenewed(): void {
    const began = performance.now();
    if (this.leading || this.noticeReading || began - this.clock.readAt < NUDGE_GAP_MS) return;
    this.noticeReading = true;
    this.kube
      .getLease()
      .then((lease) => {
        // A new holder (a handover, a release) is acted on at once rather than at the next tick.
        if (!this.leading && this.clock.note(lease, began)) this.nudge();
      })
      .catch(() => undefined)
      .finally(() => {
        this.noticeReading = false;
      });
  }

  /** A peer call without a valid signature: counted, and logged at most every 10 s so a flood cannot fill the log. */
  refusedPeerCall(what: string): void {
    this.metrics.refusedPeerCalls.inc();
    const now = performance.now();
    if (now - this.refusedLoggedAt < 10_000) return;
    this.refusedLoggedAt = now;
    this.log.error(`refused an unsigned or badly signed peer call (${what})`);
  }

  /** Runs the next cycle now (a peer released the Lease or handed it over). */
  nudge(): void {
    // A nudge during a cycle runs the next one right after it instead of being lost.
    this.nudged = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.nudge();
    await this.lock;
    this.db.close();
    this.fencer.close();
    this.pingDb.close();
    this.applyDb.close();
    this.adminDb.close();
    this.accounts.close();
  }

  /**
   * Whether the loop still completes cycles. Every call it makes is bounded, so a loop that has not finished a
   * cycle for this long is stuck: /healthz then fails and the kubelet restarts the agent, rather than leave a
   * half-leader that reports stale state (the dead-man switch keeps the server fenced meanwhile).
   */
  liveness(): { ok: boolean; sinceCycleMs: number; limitMs: number } {
    const sinceCycleMs = Math.round(performance.now() - this.lastCycleAt);
    const limitMs = Math.max(10 * this.s.loopIntervalMs, 4 * this.s.leaseDurationMs);
    return { ok: sinceCycleMs <= limitMs, sinceCycleMs, limitMs };
  }

  /**
   * Independent of the loop (which may be waiting on a slow API call): a holder that has not renewed
   * within renewDeadlineMs - loopIntervalMs makes its server read-only right away.
   */
  private async checkRenewDeadline(): Promise<void> {
    if (this.fenceOwed) {
      await this.fence().catch((err: unknown) => {
        // No server, nothing writable: it starts read-only (my.cnf) when it comes back.
        if (err instanceof MysqlDown && err.cause === 'refused') this.fenceOwed = false;
        else this.log.error(`fencing still fails, retrying: ${(err as Error).message}`);
      });
      return;
    }
    if (!this.leading || this.clock.lastRenewStart === null) return;
    const since = Math.round(performance.now() - this.clock.lastRenewStart);
    if (since < this.clock.stepDownAfterMs()) return this.checkLeaderServer();
    this.leading = false;
    this.setDecision(`could not renew the lease for ${since} ms; read-only before anyone else may take it`);
    this.metrics.setRole('none');
    try {
      await this.fence();
      this.emit('Warning', 'Demoted', `could not renew the lease for ${since} ms; now read-only`);
    } catch (err) {
      this.log.error(`fencing after the renew deadline failed, retrying every tick: ${(err as Error).message}`);
    }
  }

  /** Between cycles, a leader notices its mysqld going away within a watchdog tick and runs its loop at once. */
  private async checkLeaderServer(): Promise<void> {
    if (this.pinging) return;
    this.pinging = true;
    try {
      await this.pingDb.query('SELECT 1');
    } catch (err) {
      if (err instanceof MysqlDown && err.cause === 'refused' && this.leading) this.nudge();
    } finally {
      this.pinging = false;
    }
  }

  /**
   * read_only ON, confirmed, and client sessions killed, sparing the agent's own sessions (ha/fence.ts). Owed
   * until it succeeds: the watchdog retries it every tick, and the Lease is not released meanwhile.
   */
  private async fence(): Promise<void> {
    this.fenceOwed = true;
    const spare = () => [this.db, this.pingDb, this.applyDb, this.adminDb].map((session) => session.connectedThreadId()).filter((id): id is number => id !== null);
    await this.fencer.fence(spare, this.s.loopIntervalMs);
    this.fenceOwed = false;
  }

  /** Arms the dead-man switch to fire a period before the renew deadline of the last successful renew. */
  private armDeadmanFromRenew(): Promise<void> {
    return armDeadman(this.db, (this.clock.lastRenewStart ?? 0) + this.s.renewDeadlineMs - DEADMAN_PERIOD_MS - performance.now());
  }

  /**
   * Arms the dead-man switch from the last renew, then makes the server writable, both only while the renew
   * deadline is still ahead: a leader that stalled between its renew and this point stays read-only.
   */
  private writableUnderDeadline(o: Observation): Promise<boolean> {
    // Semi-sync from the first commit whenever a replica can attach. With no peer's mysqld up (possible only
    // under failoverPolicy available, whose Promoted Event records the risk), commits would wait for good, so
    // the source side goes on once a replica attaches instead.
    const semiSync = o.peers.some((p) => p.reachable && p.mysqlUp);
    return this.fencer.unfenced(async () => {
      if (this.fenceOwed || !this.clock.withinRenewDeadline() || this.clock.lastRenewStart === null) return false;
      await this.armDeadmanFromRenew();
      if (this.fenceOwed || !this.clock.withinRenewDeadline()) return false;
      return becomeWritable(this.db, { semiSyncTimeoutMs: this.s.semiSyncTimeoutMs, semiSync, marginMs: this.s.loopIntervalMs });
    });
  }

  private selfAddress(): string {
    const a = peerAddress(this.s, this.s.podName);
    return `${a.host}:${a.mysqlPort}`;
  }

  private async peerNames(): Promise<string[]> {
    const configured = Object.keys(this.s.peerAddresses);
    if (configured.length > 0) return configured.filter((p) => p !== this.s.podName);
    if (performance.now() - this.peersListedAt > 10_000) {
      try {
        const listed = await this.kube.listPods(this.s.cluster);
        // An empty list (this pod is always in it) is a broken answer, not a cluster of one.
        if (listed.length === 0) throw new Error('the API listed no pod of the cluster');
        this.peers = listed.filter((p) => p !== this.s.podName);
        this.peersListedAt = performance.now();
      } catch (err) {
        this.log.error(`listing the cluster's pods failed, keeping the last list: ${(err as Error).message}`);
      }
    }
    if (this.peersListedAt > -Infinity) return this.peers;
    // Never listed yet: whoever the Lease names may hold acknowledged writes.
    const l = this.clock.lease;
    return [...new Set([...(l?.members ?? []), l?.lastHolder ?? '', l?.holder ?? ''])].filter((p) => p !== '' && p !== this.s.podName).sort();
  }

  /**
   * This pod published its position for the Lease version it sees now: it had seen that version expire, before a
   * restart of this agent reset the clock. It must not count it valid again (and receive under it after peers
   * compared with what it published).
   */
  private knownExpired(): boolean {
    return this.publishedVersion !== null && this.clock.lease !== null && this.clock.lease.resourceVersion === this.publishedVersion;
  }

  /** Once per agent start: the Lease version this pod last published a position for, from its own Pod. */
  private async readOwnPublication(): Promise<void> {
    if (this.publishedVersion !== null || this.ownPublicationRead) return;
    try {
      const own = await this.kube.readPosition(this.s.podName);
      this.publishedVersion = own && sealedByPod(this.peerAuth, this.s.podName, own) ? own.lease : null;
      this.ownPublicationRead = true;
    } catch {
      // retried next cycle; until then the Lease is judged by this agent's own clock alone
    }
  }

  private fetchPeers(names: string[]): Promise<{ name: string; status: AgentStatus | null }[]> {
    return Promise.all(names.map(async (n) => ({ name: n, status: await fetchStatus(peerAddress(this.s, n), this.peerTimeoutMs) })));
  }

  /**
   * Local server, Lease and peers' /status. Peers are asked only when the decision can need them: not by
   * a holder, nor by a follower replicating from a holder that still validly holds the Lease.
   */
  private async observe(opts: { peers?: boolean } = {}): Promise<Observation> {
    const names = await this.peerNames();
    const began = performance.now();
    const readLease = this.clock.mustRead(began, { nudged: this.nudgedCycle, leading: this.leading, following: this.following, knownExpired: this.knownExpired() });
    const peersFirst = opts.peers === true || (!this.leading && (!this.following || this.nudgedCycle || this.clock.expiryDue(began, this.leading, this.knownExpired())));
    const [observed, lease, fetched] = await Promise.all([
      this.observeLocalServer(),
      readLease
        ? this.kube.getLease().then(
            (l) => ({ ok: true as const, l }),
            () => ({ ok: false as const }),
          )
        : null,
      peersFirst ? this.fetchPeers(names) : null,
    ]);

    if (lease) {
      this.clock.readable = lease.ok;
      if (lease.ok) this.clock.note(lease.l, began);
      if (lease.ok) await this.readOwnPublication();
    }
    const now = performance.now();
    const holder = this.clock.lease?.holder ?? '';
    const readable = lease ? lease.ok : this.clock.readable;
    const expired = holder !== '' && (this.clock.versionAge(now) > this.s.leaseDurationMs || this.knownExpired());
    // Free because its holder released it; a Lease deleted or emptied by hand carries no release.
    const released = holder === '' && (this.clock.lease?.released ?? false);

    let local = observed;
    // Only a server whose replication threads both stopped cleanly can have a relay log to apply; the replay
    // checks again under its own lock, but a replicating server costs no further query here.
    const stopped = local.ok ? local.l.replication : null;
    if (local.ok && stopped && stopped.ioRunning === 'No' && stopped.sqlRunning === 'No' && stopped.lastSqlErrno === 0) {
      const replayed = await this.replayRelayLog();
      if (replayed.failed) local = { ok: false, e: new MysqlDown('error', replayed.failed) };
      else if (replayed.changed) local = await this.observeLocalServer();
    }

    let localView: LocalView;
    if (local.ok) {
      this.local = local.l;
      this.localError = null;
      const r = local.l.replication;
      const rejected = r && (DIVERGED_ERRNOS.has(r.lastIoErrno) || DIVERGED_ERRNOS.has(r.lastSqlErrno)) ? r : null;
      localView = {
        up: true,
        readOnly: local.l.readOnly,
        receivedPos: local.l.receivedPos,
        source: r ? `${r.sourceHost}:${r.sourcePort}` : null,
        replicating: !!r && (r.ioRunning === 'Yes' || r.ioRunning === 'Connecting') && r.sqlRunning === 'Yes',
        sourceRejected: rejected
          ? `the leader's binlog does not hold this server's history (error ${rejected.lastIoErrno || rejected.lastSqlErrno}: ${rejected.lastIoError || rejected.lastSqlError})`
          : null,
        sqlBroken: sqlBroken(local.l),
        ...(this.leading && this.ledOnConnection !== null ? { restartedWhileLeading: this.db.connections !== this.ledOnConnection } : {}),
      };
    } else {
      this.local = null;
      this.localError = local.e.message;
      localView = { up: false, cause: local.e.cause, error: local.e.message };
    }

    const holderAddress = holder && !expired ? peerAddress(this.s, holder) : null;
    const followingHolder =
      holderAddress !== null && holder !== this.s.podName && localView.up && localView.replicating && localView.source === `${holderAddress.host}:${holderAddress.mysqlPort}`;
    const statuses = fetched ?? (this.leading || followingHolder ? names.map((name) => ({ name, status: null })) : await this.fetchPeers(names));
    const peers = statuses.map(({ name, status }) => this.peerView(name, status));

    return {
      self: this.s.podName,
      ordinal: this.ordinal,
      policy: this.s.failoverPolicy,
      leading: this.leading,
      local: localView,
      lease: {
        readable,
        holder,
        lastHolder: this.clock.lease?.lastHolder ?? '',
        expired: expired || (holder === '' && !released && this.clock.versionAge(now) > this.s.leaseDurationMs),
        released,
        position: this.clock.lease?.position ?? '',
        ...(this.clock.lease ? { version: this.clock.lease.resourceVersion, members: this.clock.lease.members, inherited: this.clock.lease.inherited, handedBy: this.clock.lease.handedBy } : {}),
      },
      sinceRenewMs: this.leading && this.clock.lastRenewStart !== null ? Math.round(now - this.clock.lastRenewStart) : null,
      stepDownAfterMs: this.clock.stepDownAfterMs(),
      noSemiSyncMs: this.leading && this.noSemiSyncSince !== null ? Math.round(now - this.noSemiSyncSince) : null,
      semiSyncStepDownAfterMs: this.s.semiSyncStepDownAfterMs,
      peers,
      membersKnown: Object.keys(this.s.peerAddresses).length > 0 || this.peersListedAt > -Infinity || (this.clock.lease?.members ?? null) !== null,
      diverged: this.diverged,
    };
  }

  /**
   * Applies the relay log's unapplied tail before anything can start a replication thread (which would discard
   * it) and before this server's position is reported or compared. On failure the server counts as down: peers
   * must not elect without it (it may hold the only copy of an acknowledged write), and it must not replicate.
   */
  private async replayRelayLog(): Promise<{ changed?: true; failed?: string }> {
    try {
      const r = await this.relayLog.replay();
      if (!r || r.from === r.to) return {};
      this.log.info(`applied the relay log's unapplied tail before replicating again: ${r.from || 'empty'} -> ${r.to} (${r.files} relay log files)`);
      this.emit('Normal', 'RelayLogApplied', `applied received transactions the relay log held: ${r.from || 'empty'} -> ${r.to}`);
      return { changed: true };
    } catch (err) {
      const failed = `its relay log holds received transactions that could not be applied, so replication stays stopped (${(err as Error).message})`;
      this.log.error(failed);
      return { failed };
    }
  }

  private observeLocalServer(): Promise<{ ok: true; l: LocalServer } | { ok: false; e: MysqlDown }> {
    return observeLocal(this.db).then(
      (l) => ({ ok: true as const, l }),
      (e) => ({ ok: false as const, e: classify(e) }),
    );
  }

  private peerView(name: string, status: AgentStatus | null): PeerView {
    const a = peerAddress(this.s, name);
    return {
      name,
      ordinal: podOrdinal(name),
      reachable: status !== null,
      mysqlUp: status?.mysql.up ?? false,
      receivedPos: status?.mysql.receivedPos ?? '',
      diverged: status?.diverged != null,
      apiReachable: status?.leaseReadable ?? false,
      mysqlAddress: `${a.host}:${a.mysqlPort}`,
      writable: status?.mysql.readOnly === false,
      sqlBroken: status?.mysql.sqlBroken ?? null,
    };
  }

  /**
   * Every peer's position taken now rather than from its last cycle: each stops receiving first (its IO thread
   * frozen), so the position it reports cannot move under the election. A peer that does not answer counts as
   * unreachable, exactly as in observe().
   */
  private async freezePeers(names: readonly string[]): Promise<PeerView[]> {
    return Promise.all(names.map(async (name) => this.peerView(name, await freezePeer(peerAddress(this.s, name), this.peerTimeoutMs, this.peerAuth))));
  }

  /** Fresh positions of peers reachable directly; of the others, what they published for the Lease `o` saw free. */
  private async frozenOrPublished(names: readonly string[], o: Observation): Promise<PeerView[]> {
    const frozen = await this.freezePeers(names);
    return o.lease.version ? withPublished(this.kube, this.peerAuth, frozen, o.lease.version, this.kubeTimeoutMs) : frozen;
  }

  /**
   * While an election waits, this pod stops receiving and publishes where its server stands on its own Pod, for
   * the Lease version it sees free or expired: a peer that cannot reach it directly compares with that instead.
   */
  private async publishPosition(o: Observation): Promise<void> {
    if (!o.local.up || !o.lease.version) return;
    try {
      if (this.local?.replication && this.local.replication.ioRunning !== 'No') {
        await stopReceiving(this.db);
        this.local = await observeLocal(this.db);
      }
      const local = this.local;
      if (!local) return;
      const fields = { lease: o.lease.version, pos: local.receivedPos, readOnly: local.readOnly, sqlBroken: sqlBroken(local), diverged: this.diverged !== null };
      const key = positionBody(fields);
      if (key === this.publishedKey) return;
      const record = sealPosition(this.peerAuth, this.s.podName, fields);
      await this.kube.publishPosition(record);
      this.publishedKey = key;
      this.publishedVersion = record.lease;
    } catch (err) {
      this.log.error(`could not publish this server's position for the election: ${(err as Error).message}`);
    }
  }

  /**
   * A candidate asks this follower to stop receiving and report where it stands. Refused while this pod leads,
   * or follows a holder whose Lease is still valid on this pod's own clock (a stale candidate must not stall
   * the holder's semi-sync acknowledgements).
   */
  async freeze(): Promise<{ ok: true; status: AgentStatus } | { ok: false; reason: string }> {
    if (this.leading) return { ok: false, reason: `${this.s.podName} leads` };
    if (this.freezing) return { ok: false, reason: 'a freeze is already running' };
    this.freezing = true;
    try {
      // Receiving from a holder whose Lease is still valid here goes on (a forged call must not stall its
      // acknowledgements); the position is reported all the same.
      const holder = this.clock.lease?.holder ?? '';
      const validHolder = this.following && holder !== '' && !this.clock.expiryDue(performance.now(), this.leading, this.knownExpired());
      const r = this.local?.replication;
      try {
        if (!validHolder && r && r.ioRunning !== 'No') await stopReceiving(this.db);
        // After a restart the relay log's tail counts only once applied: until then the server counts as down.
        const replayed = await this.replayRelayLog();
        if (replayed.failed) throw new Error(replayed.failed);
        this.local = await observeLocal(this.db);
      } catch (err) {
        // Its mysqld is down: the caller still learns that this agent answers, and that its server does not.
        this.local = null;
        this.localError = (err as Error).message;
      }
      return { ok: true, status: this.status() };
    } finally {
      this.freezing = false;
    }
  }

  /**
   * root's part, before anything else each cycle: the dead-man switch once, and this server's own accounts
   * whenever their passwords in the Secret change (or are missing, on a datadir older than them). Tried while the
   * server answered last time, or refused the agent's login (its account is what this sets right).
   */
  private async setUpServer(): Promise<void> {
    if (this.local === null && this.localError !== null && !this.localError.includes('ER_ACCESS_DENIED')) return;
    try {
      if (!this.deadmanInstalled) {
        await installDeadman(this.adminDb);
        this.deadmanInstalled = true;
      }
      await this.accounts.ensureLocal();
      this.setUpError = '';
    } catch (err) {
      const message = `server set-up (dead-man switch, local accounts) not done yet, retrying next cycle: ${(err as Error).message}`;
      if (message !== this.setUpError) this.log.error(message);
      this.setUpError = message;
    }
  }

  private async cycle(): Promise<void> {
    await this.setUpServer();
    let o = await this.observe();
    if (await this.detachFromFormerLeader(o)) o = await this.observe();
    if (electionOpen(o)) o = { ...o, peers: await withPublished(this.kube, this.peerAuth, o.peers, o.lease.version!, this.kubeTimeoutMs) };
    const d = decide(o);
    this.setDecision(d.reason);
    this.waitingFor = d.action.kind === 'wait' ? d.action.blockedBy : [];
    this.refusal = d.action.kind === 'refuse' ? d.action.reason : null;
    this.metrics.electionBlocked.set(this.waitingFor.length > 0 ? 1 : 0);
    try {
      await this.act(d, o);
    } catch (err) {
      const e = err instanceof MysqlDown ? err.message : (err as Error).message;
      this.setDecision(`${d.reason}; failed: ${e}`);
    }
    // A diverged pod publishes too: peers that cannot reach it learn it holds nothing they must wait for.
    if ((d.action.kind === 'wait' || d.action.kind === 'refuse') && electionOpen(o)) await this.publishPosition(o);
    this.metrics.diverged.set(this.diverged || this.refusal ? 1 : 0);
    const lag = this.local?.replication?.secondsBehind;
    this.metrics.lag.set(lag === null || lag === undefined ? -1 : lag);
    this.following = d.action.kind === 'follow';
    this.metrics.setRole(this.role());
  }

  private role(): 'leader' | 'follower' | 'none' {
    return this.leading ? 'leader' : this.following ? 'follower' : 'none';
  }

  /**
   * A follower stops receiving from its source once that source no longer validly holds the Lease: a
   * former leader, even cut off and read-only, must not pass on anything written after it lost the Lease.
   */
  private async detachFromFormerLeader(o: Observation): Promise<boolean> {
    const r = this.local?.replication;
    if (this.leading || !o.lease.readable || !r || r.ioRunning === 'No') return false;
    const holder = o.lease.holder && !o.lease.expired ? peerAddress(this.s, o.lease.holder) : null;
    if (holder && `${holder.host}:${holder.mysqlPort}` === `${r.sourceHost}:${r.sourcePort}`) return false;
    await stopReceiving(this.db);
    this.log.info(`stopped receiving from ${r.sourceHost}:${r.sourcePort}: it no longer holds the lease`);
    return true;
  }

  private setDecision(reason: string): void {
    this.lastReason = reason;
    // Numbers (milliseconds, positions) change every cycle; the sentence around them is the decision.
    const key = reason.replace(/\d+/g, '#');
    if (key !== this.lastReasonKey) {
      this.lastReasonKey = key;
      this.decisionSince = new Date();
      this.log.info(reason);
    }
  }

  emit(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.kube.event(type, reason, message).catch((err: Error) => this.log.error(`event ${reason} not recorded: ${err.message}`));
  }

  /** An Event for a state this pod entered, once per entry rather than once per cycle. */
  private emitOnce(key: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (key === this.lastEventKey) return;
    this.lastEventKey = key;
    this.emit(type, reason, message);
  }

  private async act(d: Decision, o: Observation): Promise<void> {
    const a: Action = d.action;
    switch (a.kind) {
      case 'lead':
        return this.lead(o);
      case 'hold':
        return;
      case 'promote':
        return this.promote(a.take, a.risk, o);
      case 'demote':
        return this.demote(a.release, d.reason);
      case 'follow':
        return this.follow(a.leader, a.address, a.reconfigure);
      case 'refuse': {
        const holder = o.peers.find((p) => p.name === o.lease.holder);
        const theirs = holder?.reachable && holder.mysqlUp ? parseGtidPos(holder.receivedPos) : null;
        this.holdsForeign = o.local.up ? foreignBeyond(parseGtidPos(o.local.receivedPos), theirs, this.ordinal + 1) : this.holdsForeign;
        this.metrics.divergedForeign.set(this.holdsForeign.length > 0 ? 1 : 0);
        if (this.holdsForeign.length > 0) {
          this.emitOnce(`foreign:${this.holdsForeign.join(',')}`, 'Warning', 'DivergedHoldsOthers', `refusing to replicate, and not re-cloning: this server holds ${this.holdsForeign.join(', ')}, written by another server and missing on the leader; an operator decides`);
        }
        // Confirmed: the leader's own server refused this history (error 1236), not a comparison with a /status
        // that may be a cycle old. That divergence is for good, until a new datadir.
        if (a.confirmed && !this.diverged) this.diverged = a.reason;
        this.onRefuse?.(a.reason, this.holdsForeign, this.diverged !== null);
        await this.ensureReadOnly();
        if (this.local?.replication && (this.local.replication.ioRunning !== 'No' || this.local.replication.sqlRunning !== 'No')) {
          await stopReplication(this.db);
        }
        if (this.holdsForeign.length === 0) this.emitOnce(`diverged:${a.reason}`, 'Warning', 'Diverged', `refusing to replicate and staying read-only: ${a.reason}`);
        return;
      }
      case 'wait':
        if (o.local.up) await this.ensureReadOnly();
        if (a.blockedBy.length > 0) this.emitOnce(`wait:${a.blockedBy.join(',')}`, 'Warning', 'ElectionBlocked', d.reason);
        return;
    }
  }

  private async ensureReadOnly(): Promise<void> {
    if (this.local && !this.local.readOnly) await this.fence();
  }

  /** Renews (or takes) the Lease by CAS, recording `position`: what this pod has, or will have once promoted. */
  private async renew(position: string): Promise<boolean> {
    const start = performance.now();
    try {
      const members = this.leading && this.termMembers ? { members: [...this.termMembers].sort() } : {};
      this.clock.renewed(await this.kube.writeLease(this.clock.lease, this.s.podName, { position, ...members }), start);
      return true;
    } catch (err) {
      this.clock.stale = true;
      this.metrics.renewFailures.inc();
      if (!(err instanceof LeaseConflict)) this.log.error(`lease renew failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** Pods replicating from this leader that its Lease record does not name yet. */
  private newMembers(): string[] {
    if (!this.leading || !this.termMembers || !this.local) return [];
    const prefix = this.s.podName.slice(0, this.s.podName.lastIndexOf('-') + 1);
    return this.local.replicaServerIds.map((id) => `${prefix}${id - 1}`).filter((pod) => pod !== this.s.podName && !this.termMembers!.has(pod));
  }

  private async lead(o: Observation): Promise<void> {
    const since = performance.now() - (this.clock.lastRenewStart ?? -Infinity);
    // Half a tick early, so that the renew falls on the tick nearest to renewEveryMs rather than the one after.
    // A replica that attached since the last renew may acknowledge a write: it is recorded in the Lease at once.
    const joined = this.newMembers();
    for (const m of joined) this.termMembers?.add(m);
    const due = since >= this.clock.renewEveryMs - this.s.loopIntervalMs / 2 || this.clock.stale || !this.local || this.local.readOnly || joined.length > 0;
    if (due) {
      // Without a fresh renew nothing is made writable; the deadline watchdog takes it from here.
      if (!(await this.renew(this.local?.binlogPos ?? ''))) {
        this.setDecision(`I hold the lease but this renew failed (${Math.round(performance.now() - (this.clock.lastRenewStart ?? 0))} ms since the last one)`);
        return;
      }
      // Followers then read the Lease now, measuring its age from this renew rather than from their next read.
      for (const p of o.peers) void announceRenew(peerAddress(this.s, p.name), this.peerTimeoutMs, this.peerAuth);
    }
    if (!this.leading || !this.local) return;
    this.watchSemiSync(this.local);
    if (due && !this.local.readOnly) await this.armDeadmanFromRenew();
    if (this.local.readOnly && !(this.leading && (await this.writableUnderDeadline(o)))) {
      this.setDecision('I hold the lease but the renew deadline is too close to become writable; renewing first');
      return;
    }
    // Semi-sync only once a replica is attached: with none, the first commit would wait out the
    // timeout and then silently fall back to asynchronous replication.
    if (this.local.replicasAttached > 0 && !this.local.semiSyncSource) {
      await setSemiSyncSource(this.db, true, this.s.semiSyncTimeoutMs);
      this.log.info(`a replica is attached; semi-sync source side on (timeout ${this.s.semiSyncTimeoutMs} ms)`);
    }
    if (this.labelled !== 'leader') await this.labelLeader(o);
    this.accounts.onLeader(performance.now());
  }

  /**
   * A leader's semi-sync health: since when no semi-sync replica is attached (the step-down clock of decide()),
   * and an alarm when the source side is on but not waiting for acknowledgements (MariaDB fell back to
   * asynchronous replication: acknowledged writes are then losable).
   */
  private watchSemiSync(local: LocalServer): void {
    const now = performance.now();
    // A replica cut off by the network stays "attached" until TCP gives up, minutes later: commits that wait
    // while the acknowledged count stands still say the same as no replica at all.
    if (local.semiSyncWaiting === 0 || local.semiSyncAcked !== this.ackedSeen) this.ackStalledSince = null;
    else this.ackStalledSince ??= now;
    this.ackedSeen = local.semiSyncAcked;
    const attached = local.semiSyncSource && local.semiSyncClients > 0;
    if (!attached) this.noSemiSyncSince ??= now;
    else this.noSemiSyncSince = this.ackStalledSince;
    const degraded = local.semiSyncSource && !local.semiSyncActive;
    this.metrics.semiSyncOff.set(degraded ? 1 : 0);
    if (degraded) this.emitOnce('semisync-off', 'Warning', 'SemiSyncOff', 'semi-sync fell back to asynchronous replication: writes acknowledged now are on this server only');
  }

  /**
   * Fences routing: every other pod is labelled follower before this one is labelled leader; only while this pod
   * leads with its renew deadline ahead (a pod that stalled on the way must not relabel the real holder).
   */
  private async labelLeader(o: Observation): Promise<void> {
    if (!this.leading || !this.clock.withinRenewDeadline()) return;
    await Promise.all(
      o.peers.map((p) =>
        this.kube.labelRole(p.name, 'follower').catch((err: unknown) => {
          // A member whose pod does not exist yet (Pending in the StatefulSet, never created) has nothing to relabel.
          if (statusCode(err) !== 404) throw err;
        }),
      ),
    );
    await this.kube.labelRole(this.s.podName, 'leader');
    this.labelled = 'leader';
  }

  private async promote(take: boolean, risk: string | null, o: Observation): Promise<void> {
    const began = performance.now();
    const names = o.peers.map((p) => p.name);
    if (take || !o.lease.handedBy) {
      // Positions from every peer afresh, its IO thread frozen, before the CAS; and before a holder that restarted
      // leads again: a peer's last cycle may predate what it received from this pod before the crash.
      const before = election({ ...o, peers: await this.frozenOrPublished(names, o) });
      if (before.action.kind !== 'promote') {
        if (!take) return this.demote(true, `the lease is mine but I would not win an election with positions taken afresh (${before.reason}); releasing it`);
        return this.setDecision(`${before.reason} (positions taken afresh)`);
      }
    }
    const lastHolder = o.lease.lastHolder;
    if (!(await this.renew(o.local.up ? o.local.receivedPos : ''))) {
      this.setDecision(take ? 'another pod took the lease first; following it next cycle' : 'could not renew the lease handed to me; retrying');
      return;
    }
    if (take) {
      // ...and again after it: a peer that received more in between, or came back writable, wins instead.
      const fresh = await this.observe({ peers: false }).catch(() => o);
      const after = election({ ...fresh, lease: o.lease, peers: await this.frozenOrPublished(names, o) });
      if (after.action.kind !== 'promote') {
        await this.kube.writeLease(this.clock.lease, '', { releasedBy: lastHolder }).then(
          (lease) => (this.clock.lease = lease),
          (err: Error) => this.log.error(`releasing the lease after the re-check failed (it will expire): ${err.message}`),
        );
        this.setDecision(`took the lease, but re-checked: ${after.reason}; released it`);
        return;
      }
    }
    const budget = this.clock.stepDownAfterMs() - Math.round(performance.now() - (this.clock.lastRenewStart ?? began)) - this.s.loopIntervalMs;
    if (!(await finishReplication(this.db, Math.max(100, budget)))) {
      this.setDecision('holding the lease while the relay log is applied; promoting once it is');
      return;
    }
    if (!(await this.writableUnderDeadline(o))) {
      this.setDecision('took the lease, but applying the relay log took until the renew deadline; renewing before becoming writable');
      return;
    }
    this.leading = true;
    this.ledOnConnection = this.db.connections;
    // Every pod up now may attach and acknowledge before the next renew could name it: count them from the start.
    this.termMembers = new Set(o.peers.filter((p) => p.reachable && p.mysqlUp && !p.diverged).map((p) => p.name));
    this.noSemiSyncSince = performance.now();
    this.ackStalledSince = null;
    this.labelled = null;
    const seconds = (performance.now() - began) / 1000;
    this.metrics.failovers.inc({ kind: take ? 'election' : 'handover' });
    this.metrics.lastFailover.set(seconds);
    this.metrics.setRole('leader');
    const msg = `promoted to leader in ${Math.round(seconds * 1000)} ms (${take ? 'election' : 'handover'})${risk ? `; ${risk}` : ''}`;
    this.log.info(msg);
    this.emitOnce(`leader:${this.clock.lease?.resourceVersion}`, risk ? 'Warning' : 'Normal', 'Promoted', msg);
    // The Lease names this leader's members at once: until then it still carries the previous term's record,
    // which names this pod, and an election after a crash right now would wait for it as for a holder that
    // never led.
    await this.renew(o.local.up ? o.local.receivedPos : '');
    // Routing comes last, so that what clients write through the leader Service is semi-synchronous.
    await this.semiSyncOnceAttached(o);
    await this.labelLeader(o);
  }

  /**
   * Until a replica attaches, the new leader's commits are asynchronous: the followers are asked to run
   * their loop now (they point replication here), and semi-sync goes on as soon as one is attached,
   * waiting at most one loop interval (the next cycles keep checking).
   */
  private async semiSyncOnceAttached(o: Observation): Promise<void> {
    await Promise.all(o.peers.map((p) => nudge(peerAddress(this.s, p.name), this.peerTimeoutMs, this.peerAuth)));
    const until = performance.now() + this.s.loopIntervalMs;
    for (;;) {
      this.local = await observeLocal(this.db);
      if (this.local.replicasAttached > 0) {
        await setSemiSyncSource(this.db, true, this.s.semiSyncTimeoutMs);
        this.local.semiSyncSource = true;
        this.log.info(`a replica is attached; semi-sync source side on (timeout ${this.s.semiSyncTimeoutMs} ms)`);
        return;
      }
      if (performance.now() >= until) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async demote(release: boolean, why: string): Promise<void> {
    // Only a holder that led records itself as the last holder: an election may then leave out its unreplicated
    // tail, which nobody acknowledged. A holder that never became writable may hold acknowledged writes in its
    // relay log, so it releases without a name and the next election must see it.
    const releasedBy = this.leading ? this.s.podName : '';
    this.leading = false;
    this.metrics.setRole('none');
    let fenced = false;
    let gone = false;
    try {
      await this.fence();
      fenced = true;
    } catch (err) {
      // A mysqld that is gone (connection refused) holds no session and takes no write: releasing is safe.
      gone = err instanceof MysqlDown && err.cause === 'refused';
      if (gone) this.fenceOwed = false;
      else this.log.error(`fencing failed (the lease is kept until it expires; the watchdog retries the fence): ${(err as Error).message}`);
    }
    if (release && (fenced || gone) && this.clock.lease && this.clock.lease.holder === this.s.podName) {
      try {
        this.clock.lease = await this.kube.writeLease(this.clock.lease, '', { releasedBy });
        await Promise.all((await this.peerNames()).map((p) => nudge(peerAddress(this.s, p), this.peerTimeoutMs, this.peerAuth)));
      } catch (err) {
        this.log.error(`lease release failed (it will expire): ${(err as Error).message}`);
      }
    }
    this.emit('Warning', 'Demoted', why);
    this.lastEventKey = '';
    try {
      await this.kube.labelRole(this.s.podName, 'follower');
      this.labelled = 'follower';
    } catch {
      this.labelled = null;
    }
  }

  private async follow(leader: string, address: string, reconfigure: boolean): Promise<void> {
    await this.ensureReadOnly();
    if (this.local?.semiSyncSource) await setSemiSyncSource(this.db, false);
    if (reconfigure) {
      const a = peerAddress(this.s, leader);
      const cloned = await readClonedPosition(this.s.dataDir);
      await replicateFrom(this.db, this.adminDb, { host: a.host, port: a.mysqlPort, ...(await this.accounts.replicationLogin({ host: a.host, port: a.mysqlPort })) }, cloned?.gtid);
      if (cloned) {
        await clearClonedPosition(this.s.dataDir);
        this.log.info(`replicating from the position the clone from ${cloned.donor} recorded: ${cloned.gtid || 'empty'}`);
      }
      this.emitOnce(`follow:${leader}`, 'Normal', 'Following', `replicating from ${leader} (${address})`);
    } else if (!this.local?.replication || this.local.replication.ioRunning === 'No' || this.local.replication.sqlRunning === 'No') {
      await startReplication(this.db);
    } else {
      this.emitOnce(`follow:${leader}`, 'Normal', 'Following', `replicating from ${leader} (${address})`);
      await this.accounts.onFollower(performance.now(), this.local.replication);
    }
    if (this.labelled !== 'follower') {
      await this.kube.labelRole(this.s.podName, 'follower');
      this.labelled = 'follower';
    }
  }

  /**
   * Waits (bounded, on a session of its own, one call at a time) until the local server has applied `gtid`:
   * the switchover target's side. A leader refuses: it has nothing to catch up on, and a caller must not be
   * able to keep any of its sessions busy.
   */
  async waitApplied(gtid: string, timeoutMs: number): Promise<'applied' | 'timeout' | 'busy' | 'leader'> {
    if (this.leading) return 'leader';
    if (this.applying) return 'busy';
    this.applying = true;
    try {
      return (await waitApplied(this.applyDb, gtid, Math.min(timeoutMs, 10_000))) ? 'applied' : 'timeout';
    } finally {
      this.applying = false;
    }
  }

  /**
   * Planned handover: read-only here, wait until the target has applied everything, then hand the
   * Lease to it by CAS. On any failure before the handover this pod becomes writable again.
   */
  switchover(to?: string): Promise<SwitchoverResult> {
    return this.exclusive(() => this.doSwitchover(to));
  }

  private async doSwitchover(to?: string): Promise<SwitchoverResult> {
    if (!this.leading) throw new Error(`${this.s.podName} is not the leader (the lease holder is ${this.clock.lease?.holder || 'nobody'})`);
    const o = await this.observe({ peers: true });
    const candidates = o.peers.filter((p) => p.reachable && p.mysqlUp && !p.diverged && p.apiReachable);
    let target: PeerView | undefined;
    if (to) {
      target = o.peers.find((p) => p.name === to);
      if (!target) throw new Error(`${to} is not a peer of ${this.s.podName} (peers: ${o.peers.map((p) => p.name).join(', ') || 'none'})`);
      if (!candidates.includes(target)) throw new Error(`${to} cannot take over: its agent or mysqld is not answering, it cannot reach the API, or it diverged`);
    } else {
      target = candidates.sort((x, y) => {
        const a = parseGtidPos(x.receivedPos);
        const b = parseGtidPos(y.receivedPos);
        if (gtidEqual(a, b)) return x.ordinal - y.ordinal;
        return gtidAtLeast(a, b) ? -1 : 1;
      })[0];
      if (!target) throw new Error(`no follower can take over: ${o.peers.map((p) => `${p.name} ${whyNotCandidate(p)}`).join('; ') || 'no peer known'}`);
    }
    if (!(await this.renew(this.local?.binlogPos ?? ''))) throw new Error('could not renew the lease before the switchover');
    const deadline = (this.clock.lastRenewStart ?? performance.now()) + this.clock.stepDownAfterMs() - this.s.loopIntervalMs;
    this.emit('Normal', 'SwitchoverStarted', `handing the leader role to ${target.name}`);
    const t0 = performance.now();
    this.leading = false;
    await this.fence();
    const [row] = await this.db.query<{ pos: string }[]>('SELECT @@global.gtid_binlog_pos AS pos');
    const position = String(row?.pos ?? '');
    const addr = peerAddress(this.s, target.name);
    const applied = await waitPeerApplied(addr, position, Math.max(100, Math.round(deadline - performance.now())), this.peerAuth);
    // Still the holder: the next cycle renews the Lease by CAS before making this server writable again,
    // so a rollback never outlives the renew deadline.
    const undo = async (why: string): Promise<never> => {
      this.emit('Warning', 'SwitchoverFailed', `${why}; staying the leader`);
      this.nudge();
      throw new Error(`switchover to ${target.name} failed: ${why}; ${this.s.podName} stays the leader`);
    };
    if (!applied) await undo(`${target.name} did not apply ${position} in time`);
    try {
      this.clock.lease = await this.kube.writeLease(this.clock.lease, target.name, { position, handedBy: this.s.podName });
    } catch (err) {
      if (err instanceof LeaseConflict) throw new Error('the Lease changed during the switchover; this pod stays read-only');
      await undo(`handing over the Lease failed: ${(err as Error).message}`);
    }
    // The target has everything this server has: replicate from it right away, so that it finds a replica
    // attached (and can switch semi-sync on) the moment it promotes.
    await replicateFrom(this.db, this.adminDb, { host: addr.host, port: addr.mysqlPort, ...(await this.accounts.replicationLogin({ host: addr.host, port: addr.mysqlPort })) }).catch((err: Error) =>
      this.log.error(`could not replicate from ${target.name} yet (the next cycle retries): ${err.message}`),
    );
    await nudge(addr, this.peerTimeoutMs, this.peerAuth);
    const readOnlyMs = Math.round(performance.now() - t0);
    this.setDecision(`handed the lease to ${target.name}; following it`);
    this.emit('Normal', 'SwitchoverCompleted', `${target.name} now holds the lease (${readOnlyMs} ms read-only here)`);
    this.kube.labelRole(this.s.podName, 'follower').then(
      () => (this.labelled = 'follower'),
      () => (this.labelled = null),
    );
    return { from: this.s.podName, to: target.name, readOnlyMs };
  }

  /** Read-only and Lease released, for a leader that is shutting down with no follower to hand over to. */
  stepDown(why: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.leading || this.clock.lease?.holder === this.s.podName) await this.demote(true, why);
    });
  }

  /**
   * Sticky divergence set from outside: a re-clone keeps the pod diverged (never a candidate, never a donor)
   * while its mysqld is down, and clears it once a copy of the leader's history replaced the datadir.
   */
  setDiverged(reason: string | null): void {
    this.diverged = reason;
    if (reason === null) {
      this.refusal = null;
      this.holdsForeign = [];
    }
  }

  /** Whether this pod may stream a copy of its data to a peer: its mysqld answers and it has not diverged. */
  mayDonate(): boolean {
    return this.local !== null && this.diverged === null && this.refusal === null;
  }

  isLeading(): boolean {
    return this.leading;
  }

  ready(): boolean {
    const l = this.local;
    if (!l) return false;
    if (this.leading) return this.clock.lease?.holder === this.s.podName && !l.readOnly;
    const r = l.replication;
    if (!r || !this.clock.lease?.holder) return false;
    const leader = peerAddress(this.s, this.clock.lease.holder);
    return (
      `${r.sourceHost}:${r.sourcePort}` === `${leader.host}:${leader.mysqlPort}` &&
      r.ioRunning === 'Yes' &&
      r.sqlRunning === 'Yes' &&
      r.secondsBehind !== null &&
      r.secondsBehind <= this.s.maxLagSeconds
    );
  }

  status(): AgentStatus {
    const l = this.local;
    const r = l?.replication ?? null;
    return {
      pod: this.s.podName,
      role: this.role(),
      leaseHolder: this.clock.lease?.holder ?? '',
      leaseReadable: this.clock.readable,
      mysql: {
        up: l !== null,
        error: this.localError,
        address: this.selfAddress(),
        readOnly: l ? l.readOnly : null,
        binlogPos: l?.binlogPos ?? '',
        currentPos: l?.currentPos ?? '',
        receivedPos: l?.receivedPos ?? '',
        semiSyncSource: l?.semiSyncSource ?? false,
        semiSyncReplica: l?.semiSyncReplica ?? false,
        replicasAttached: l?.replicasAttached ?? 0,
        sqlBroken: l ? sqlBroken(l) : null,
      },
      replication: r ? { ...r, source: `${r.sourceHost}:${r.sourcePort}` } : null,
      lagSeconds: r?.secondsBehind ?? null,
      decision: this.lastReason,
      decisionSince: this.decisionSince.toISOString(),
      waitingFor: this.waitingFor,
      diverged: this.diverged ?? this.refusal,
      holdsForeign: this.holdsForeign,
      failoverPolicy: this.s.failoverPolicy,
      clone: this.cloneStatus?.() ?? null,
      updatedAt: new Date().toISOString(),
    };
  }
}

/** Why a peer cannot take a planned handover, as an operator reads it. */
function whyNotCandidate(p: PeerView): string {
  if (!p.reachable) return 'does not answer';
  if (!p.mysqlUp) return 'has its mysqld down';
  if (p.diverged) return 'diverged';
  if (!p.apiReachable) return 'cannot read the Lease';
  return 'can take over';
}
