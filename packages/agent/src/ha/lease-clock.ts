import { performance } from 'node:perf_hooks';
import type { LeaseRecord } from '../kube/client.js';
import type { AgentSettings } from '../settings/settings.js';

type ClockSettings = Pick<AgentSettings, 'podName' | 'leaseDurationMs' | 'renewDeadlineMs' | 'loopIntervalMs'>;

/**
 * What this agent knows of the Lease and when (docs/ha.md, "The timing rule that rules out split brain"): a version's age counts from the first read
 * that showed it, never from a time another pod wrote, so clocks need not agree; a holder's deadlines count from the
 * start of its last successful renew. All times are this process's monotonic clock.
 */
export class LeaseClock {
  lease: LeaseRecord | null = null;
  /** The last read of the Lease succeeded. */
  readable = false;
  /** The holder's view is the one its last write returned, unless a write failed since. */
  stale = true;
  readAt = -Infinity;
  /** When this holder's last successful renew started; null while it holds none. */
  lastRenewStart: number | null = null;
  /** No version seen yet: the first read of the Lease, even a missing one, starts the clock. */
  private seenRv = '\u0000none';
  private seenAt = 0;
  /** A holder renews this often, leaving one more attempt before the step-down deadline. */
  readonly renewEveryMs: number;
  /** A follower of a renewing holder reads the Lease this often; the holder's renew notices keep it current. */
  private readonly followerReadEveryMs: number;

  constructor(private readonly s: ClockSettings) {
    this.renewEveryMs = Math.max(s.loopIntervalMs, Math.floor((s.renewDeadlineMs - s.loopIntervalMs) / 2));
    this.followerReadEveryMs = Math.max(s.loopIntervalMs, Math.floor(s.leaseDurationMs / 2));
  }

  /** A Lease as read at `readStart`. Returns whether the holder changed. */
  note(lease: LeaseRecord | null, readStart: number): boolean {
    const holderChanged = (lease?.holder ?? '') !== (this.lease?.holder ?? '');
    this.readAt = readStart;
    this.lease = lease;
    this.stale = false;
    this.seen(lease?.resourceVersion ?? '');
    return holderChanged;
  }

  /** A renew this holder started at `start` succeeded with `lease`. */
  renewed(lease: LeaseRecord, start: number): void {
    this.lease = lease;
    this.seen(lease.resourceVersion);
    this.lastRenewStart = start;
    this.stale = false;
    this.readable = true;
  }

  private seen(rv: string): void {
    if (rv === this.seenRv) return;
    this.seenRv = rv;
    this.seenAt = performance.now();
  }

  /** Milliseconds the version now seen has been seen. */
  versionAge(now = performance.now()): number {
    return now - this.seenAt;
  }

  /**
   * When another holder's Lease will expire before the next tick, the loop wakes just after that instant instead: a
   * whole-pod loss then costs the lease duration, not the lease duration plus part of a tick.
   */
  untilExpiry(leading: boolean): number {
    if (leading || !this.lease?.holder || this.lease.holder === this.s.podName) return Infinity;
    // expired means strictly more than leaseDurationMs since the version was first seen
    const until = this.seenAt + this.s.leaseDurationMs + 2 - performance.now();
    return until > 0 ? until : Infinity;
  }

  /** Another pod's Lease is at or past its expiry, or was already seen expired (`knownExpired`). */
  expiryDue(now: number, leading: boolean, knownExpired: boolean): boolean {
    return !leading && this.lease?.holder !== undefined && this.lease.holder !== '' && (this.versionAge(now) >= this.s.leaseDurationMs || knownExpired);
  }

  /**
   * Whether this cycle must read the Lease. A holder trusts what its last successful write returned (a changed
   * Lease makes its next CAS fail); a follower of a renewing holder reads it at the expiry instant, when nudged, and
   * every followerReadEveryMs; anyone else every cycle.
   */
  mustRead(now: number, o: { nudged: boolean; leading: boolean; following: boolean; knownExpired: boolean }): boolean {
    if (o.nudged) return true;
    if (o.leading) return this.stale;
    if (!o.following || !this.lease?.holder || this.lease.holder === this.s.podName || this.expiryDue(now, o.leading, o.knownExpired)) return true;
    return now - this.readAt >= this.followerReadEveryMs - this.s.loopIntervalMs / 2;
  }

  /** After this long without a successful renew a holder is read-only: one loop before its renew deadline. */
  stepDownAfterMs(): number {
    return this.s.renewDeadlineMs - this.s.loopIntervalMs;
  }

  /** The renew deadline has not passed: one loop interval is kept for the fencing statements. */
  withinRenewDeadline(): boolean {
    return this.lastRenewStart !== null && performance.now() - this.lastRenewStart < this.stepDownAfterMs() - this.s.loopIntervalMs;
  }
}
