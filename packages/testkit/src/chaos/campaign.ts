import { assertConverged, missingAckedIds } from '../check/converged.js';
import { WriteLoad } from '../check/write-load.js';
import { summarize, type Summary } from '../measure/stats.js';
import { stopAll } from '../process/registry.js';
import { now } from '../util/clock.js';
import { sleep, waitFor } from '../util/wait.js';
import { healthyLeader, restartExited, startLocalCluster, type LocalCluster } from '../cluster/local-cluster.js';
import { FAULT_KINDS, inject, type FaultKind } from './faults.js';
import { Rng } from './rng.js';

export interface CampaignOptions {
  readonly faults: number;
  readonly seed: number;
  /** Loopback ports portBase..portBase+39. */
  readonly portBase?: number;
  readonly kinds?: readonly FaultKind[];
  /** agent.yaml settings for every agent. */
  readonly settings?: Record<string, unknown>;
  readonly onProgress?: (line: string) => void;
}

export interface FaultResult {
  readonly index: number;
  readonly kind: FaultKind;
  readonly detail: string;
  /** Leader faults: the longest time without an acknowledged write, from the fault until writes flow again. */
  readonly failoverMs: number | null;
  /** Acknowledged writes missing from the leader once the cluster healed. */
  readonly lost: number;
  /** Milliseconds during which two servers were writable at once. */
  readonly dualWritableMs: number;
  /** Not healthy again within the recovery budget. */
  readonly stuck: boolean;
  readonly note?: string;
}

export interface KindSummary {
  readonly kind: FaultKind;
  readonly count: number;
  readonly failover: Summary | undefined;
  readonly lost: number;
  readonly dualWritableMs: number;
  readonly stuck: number;
}

export interface CampaignReport {
  readonly seed: number;
  readonly faults: readonly FaultResult[];
  readonly byKind: readonly KindSummary[];
  readonly acked: number;
  /** The final check (every acknowledged write, GTID sets and checksums equal on every server), or why it failed. */
  readonly converged: string;
  /** Why the campaign ended before its last fault, or null. */
  readonly stoppedBy: string | null;
  readonly ok: boolean;
}

const RECOVERY_MS = 120_000;

/** A healthy cluster's leader (see healthyLeader), or undefined when there is none within timeoutMs. */
async function healthy(c: LocalCluster, timeoutMs: number): Promise<string | undefined> {
  return waitFor(
    'a healthy cluster',
    async () => {
      await restartExited(c);
      return healthyLeader(c);
    },
    { timeoutMs, intervalMs: 200 },
  ).catch(() => undefined);
}

async function decisions(c: LocalCluster): Promise<string> {
  const parts = await Promise.all(c.agents.map(async (a) => `${a.name}: ${(await a.status<{ decision: string }>(1000).catch(() => undefined))?.decision ?? '(no answer)'}`));
  return parts.join('; ');
}

/**
 * A seeded, randomized fault campaign against real mariadbd and real agents, under a write load through the
 * leader label plus a pooled client holding a direct connection to the leader. After each fault it waits for a
 * healthy cluster, checks that every acknowledged write is on the leader and that no two servers were writable
 * at once; at the end every server must hold every acknowledged write with identical GTID sets and checksums.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const say = options.onProgress ?? (() => {});
  const rng = new Rng(options.seed);
  const kinds = options.kinds ?? FAULT_KINDS;
  const partitions = kinds.some((k) => k.startsWith('partition-'));
  // A leader cut off from its followers steps down after semiSyncStepDownAfterMs: shortened, so such a fault
  // fits in the campaign's pace.
  const c = await startLocalCluster(options.portBase ?? 15400, { recloneDivergedAfterMs: 2000, semiSyncStepDownAfterMs: 4000, ...options.settings }, { network: partitions });
  const results: FaultResult[] = [];
  const pooledAcked: number[] = [];
  const reportedLost = new Set<number>();
  let converged = 'not checked';
  let stoppedBy: string | null = null;
  try {
    let leader = await healthy(c, 60_000);
    if (!leader) throw new Error(`the cluster did not become healthy: ${await decisions(c)}`);
    c.load.start();
    let firstId = Date.now() * 1000 + 900_000_000;
    for (let index = 1; index <= options.faults; index++) {
      const kind = rng.pick(kinds);
      const followers = c.servers.map((s) => s.name).filter((n) => n !== leader);
      // A pooled client holding a direct connection to whoever leads now, as applications do.
      const pooled = new WriteLoad({ kube: c.kube, servers: c.servers, pinTo: leader, firstId });
      firstId += 10_000_000;
      pooled.start();
      await sleep(rng.int(200, 1200));
      const overlapsBefore = c.watcher.overlaps.length;
      const t = now();
      const injected = await inject(kind, { c, rng, leader: leader!, followers });
      // The cluster gets the chance to fail over on its own before anything is restarted (a double fault or a
      // crash of every server needs the restarts, as the kubelet would do them).
      if (injected.healAfterMs !== undefined) await sleep(injected.healAfterMs);
      else if (injected.leaderFault) await c.load.waitForAckAfter(t, { timeoutMs: 15_000 }).catch(() => undefined);
      else await sleep(rng.int(500, 3000));
      // A restart the kubelet would retry for ever (a mariadbd that aborts in crash recovery) ends the campaign with
      // what it found so far, rather than without a report.
      const healFailed = await injected.heal().then(
        () => null,
        (error: Error) => error.message.split('\n')[0] ?? String(error),
      );
      if (healFailed) {
        stoppedBy = `fault ${index} (${kind}: ${injected.detail}): the restart failed: ${healFailed}`;
        say(`campaign stopped: ${stoppedBy}`);
        // Its data dirs and logs are the evidence: kept.
        process.env.MYSQLHA_KEEP_TMP = '1';
        await pooled.stop();
        break;
      }
      const next = await healthy(c, RECOVERY_MS);
      // Write unavailability: the longest time without an acknowledged write from the fault until writes flow on
      // the healed cluster (a frozen leader's server may keep acknowledging for a while: that is not a failover).
      const resumed = injected.leaderFault && next ? await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 }).catch(() => undefined) : undefined;
      const failoverMs = resumed ? Math.round(c.load.longestGap(t, resumed.at)) : null;
      await pooled.stop();
      pooledAcked.push(...pooled.ackedIds());
      let note: string | undefined;
      let lost = 0;
      if (next) {
        const missing = (await missingAckedIds(c.server(next), [...c.load.ackedIds(), ...pooledAcked])).filter((id) => !reportedLost.has(id));
        for (const id of missing) reportedLost.add(id);
        lost = missing.length;
        if (lost > 0) note = `lost ids ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`;
        leader = next;
      } else {
        note = `stuck: ${await decisions(c)}`;
        // Unstick for the next fault: restart every agent, as the kubelet would once liveness fails.
        for (const agent of c.agents) {
          await agent.kill9();
          await agent.start();
        }
        leader = (await healthy(c, RECOVERY_MS)) ?? leader;
      }
      const dualWritableMs = c.watcher.overlaps.slice(overlapsBefore).reduce((sum, overlap) => sum + overlap.ms, 0);
      const result: FaultResult = { index, kind, detail: injected.detail, failoverMs, lost, dualWritableMs, stuck: next === undefined, ...(note ? { note } : {}) };
      results.push(result);
      say(`fault ${index}/${options.faults} ${kind}: ${injected.detail}; failover ${failoverMs ?? '-'} ms, lost ${lost}, two writable ${dualWritableMs} ms${result.stuck ? ', STUCK' : ''}${note && !result.stuck ? ` (${note})` : ''}`);
    }
    await c.load.stop();
    await c.watcher.stop();
    try {
      const conv = await assertConverged(c.servers, [...c.load.ackedIds(), ...pooledAcked], { timeoutMs: 60_000 });
      converged = `every server holds all ${c.load.ackedIds().length + pooledAcked.length} acknowledged writes; GTID ${conv.gtid}`;
    } catch (error) {
      converged = (error as Error).message;
    }
  } finally {
    await stopAll();
  }
  const byKind: KindSummary[] = kinds
    .map((kind) => {
      const of = results.filter((r) => r.kind === kind);
      return {
        kind,
        count: of.length,
        failover: summarize(of.map((r) => r.failoverMs).filter((ms): ms is number => ms !== null)),
        lost: of.reduce((sum, r) => sum + r.lost, 0),
        dualWritableMs: of.reduce((sum, r) => sum + r.dualWritableMs, 0),
        stuck: of.filter((r) => r.stuck).length,
      };
    })
    .filter((summary) => summary.count > 0);
  const ok = stoppedBy === null && results.every((r) => r.lost === 0 && r.dualWritableMs === 0 && !r.stuck) && converged.startsWith('every server');
  return { seed: options.seed, faults: results, byKind, acked: c.load.ackedIds().length + pooledAcked.length, converged, stoppedBy, ok };
}

/** The per-kind table: count, failover p50/p99/max, acknowledged writes lost, ms with two writable servers, stuck. */
export function formatCampaign(report: CampaignReport): string {
  const rows = report.byKind.map((k) => `| ${k.kind} | ${k.count} | ${k.failover ? `${k.failover.p50} / ${k.failover.p99} / ${k.failover.max}` : '-'} | ${k.lost} | ${k.dualWritableMs} | ${k.stuck} |`);
  return [
    `seed ${report.seed}, ${report.faults.length} faults, ${report.acked} acknowledged writes`,
    '',
    '| fault | count | failover ms p50 / p99 / max | acknowledged writes lost | ms with two writable | stuck |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(report.stoppedBy ? [`stopped early: ${report.stoppedBy}`] : []),
    `final check: ${report.converged}`,
    report.ok ? 'campaign passed: 0 lost, 0 ms with two writable servers, 0 stuck' : 'campaign FAILED',
  ].join('\n');
}
