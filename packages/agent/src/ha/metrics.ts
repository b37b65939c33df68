import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's Prometheus metrics; docs/ha.md says what each one means. */
export class Metrics {
  readonly registry = new Registry();
  readonly role = new Gauge({ name: 'mysqlha_role', help: '1 for the role this pod plays now (leader, follower or none), 0 for the others', labelNames: ['role'], registers: [this.registry] });
  readonly failovers = new Counter({ name: 'mysqlha_failovers_total', help: 'Promotions of this pod to leader (elections and planned switchovers)', labelNames: ['kind'], registers: [this.registry] });
  readonly lastFailover = new Gauge({ name: 'mysqlha_last_failover_seconds', help: 'Seconds the last promotion of this pod took, from taking the Lease to writable', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'mysqlha_replication_lag_seconds', help: 'Seconds_Behind_Master of this follower (-1 when not replicating)', registers: [this.registry] });
  readonly renewFailures = new Counter({ name: 'mysqlha_lease_renew_failures_total', help: 'Lease renewals by this holder that failed or were refused', registers: [this.registry] });
  readonly diverged = new Gauge({ name: 'mysqlha_diverged', help: '1 when this server holds transactions the leader does not have and refuses to replicate', registers: [this.registry] });
  readonly semiSyncOff = new Gauge({ name: 'mysqlha_semi_sync_off', help: '1 while this leader has semi-sync on but MariaDB fell back to asynchronous replication', registers: [this.registry] });
  readonly divergedForeign = new Gauge({ name: 'mysqlha_diverged_holds_others', help: '1 while this diverged pod holds transactions another server wrote that the leader lacks (an operator decides; no automatic re-clone)', registers: [this.registry] });
  readonly refusedPeerCalls = new Counter({ name: 'mysqlha_refused_peer_calls_total', help: 'Calls to the control endpoints refused for a missing or bad signature', registers: [this.registry] });
  readonly tlsExpiry = new Gauge({ name: 'mysqlha_tls_certificate_expiry_timestamp_seconds', help: 'When the TLS certificate mariadbd and the clone donor serve stops being valid (Unix time)', registers: [this.registry] });
  readonly tlsReloadFailing = new Gauge({ name: 'mysqlha_tls_reload_failing', help: '1 while the TLS Secret holds a certificate that cannot be loaded (see Event TlsNotReloaded); the previous one is still served', registers: [this.registry] });
  readonly electionBlocked = new Gauge({ name: 'mysqlha_election_blocked', help: '1 while an election waits for an unreachable peer that may hold an acknowledged write (failoverPolicy safe)', registers: [this.registry] });

  constructor() {
    // The event loop lag histogram samples on a timer: every 100 ms rather than the default 10 ms costs
    // the idle agent a third of the CPU and still shows any lag that matters to a 500 ms loop.
    collectDefaultMetrics({ register: this.registry, prefix: 'mysqlha_agent_', eventLoopMonitoringPrecision: 100 });
  }

  setRole(role: 'leader' | 'follower' | 'none'): void {
    for (const r of ['leader', 'follower', 'none']) this.role.set({ role: r }, r === role ? 1 : 0);
  }
}
