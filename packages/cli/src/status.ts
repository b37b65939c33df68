import type { AgentStatus } from '@mysqlha/agent';
import type { Api } from './api.js';
import { agentStatus, lease, members, type Target } from './cluster.js';

export interface PodView {
  readonly pod: string;
  /** The role label the Services route by. */
  readonly role: string | null;
  readonly ready: boolean | null;
  readonly holdsLease: boolean;
  readonly gtid: string | null;
  readonly lagSeconds: number | null;
  readonly readOnly: boolean | null;
  readonly decision: string | null;
  /** Why the agent could not be asked, or null. */
  readonly agentError: string | null;
}

export interface ClusterView {
  readonly namespace: string;
  readonly cluster: string;
  readonly leaseHolder: string | null;
  readonly leaseRenewedSecondsAgo: number | null;
  readonly pods: PodView[];
  /** What a reader should act on: no leader, two pods labelled leader, a label that disagrees with the Lease. */
  readonly warnings: string[];
}

/** The cluster at a glance: pods and the Lease from the API, each agent's own view from the agent. */
export async function clusterView(api: Api, t: Target): Promise<ClusterView> {
  // One after the other, so that a user lacking rights is told the same first refusal every time.
  const pods = await members(api, t);
  const l = await lease(api, t);
  const statuses = await Promise.all(pods.map((m) => agentStatus(api, t, m).then((s): AgentStatus | Error => s, (error: Error) => error)));
  const views: PodView[] = pods.map((m, i) => {
    const s = statuses[i]!;
    const ok = !(s instanceof Error);
    return {
      pod: m.name,
      role: m.roleLabel ?? null,
      ready: m.ready ?? null,
      holdsLease: l.holder === m.name,
      gtid: ok ? s.mysql.currentPos || null : (m.publishedPos ?? null),
      lagSeconds: ok ? s.lagSeconds : null,
      readOnly: ok ? s.mysql.readOnly : null,
      decision: ok ? s.decision : null,
      agentError: ok ? null : s.message,
    };
  });
  const warnings: string[] = [];
  const labelled = views.filter((v) => v.role === 'leader').map((v) => v.pod);
  if (!l.holder) warnings.push('no pod holds the Lease: no server takes writes');
  if (labelled.length > 1) warnings.push(`${labelled.join(' and ')} are both labelled leader`);
  if (l.holder && labelled.length === 1 && labelled[0] !== l.holder) warnings.push(`${labelled[0]} is labelled leader but ${l.holder} holds the Lease`);
  const writable = views.filter((v) => v.readOnly === false).map((v) => v.pod);
  if (writable.length > 1) warnings.push(`${writable.join(' and ')} are both writable`);
  const renewed = l.renewedAt ? (Date.now() - Date.parse(l.renewedAt)) / 1000 : null;
  return { namespace: t.namespace, cluster: t.cluster, leaseHolder: l.holder ?? null, leaseRenewedSecondsAgo: renewed === null ? null : Math.round(renewed * 10) / 10, pods: views, warnings };
}

function cell(value: string | number | boolean | null): string {
  if (value === null) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** The table a person reads: one line per pod, the Lease above, warnings below. */
export function formatView(v: ClusterView): string {
  const header = ['POD', 'ROLE', 'READY', 'LEASE', 'GTID', 'LAG', 'READ-ONLY', 'LAST DECISION'];
  const rows = v.pods.map((p) => [
    p.pod,
    cell(p.role),
    cell(p.ready),
    p.holdsLease ? 'holder' : '',
    cell(p.gtid),
    p.lagSeconds === null ? '-' : `${p.lagSeconds}s`,
    cell(p.readOnly),
    p.agentError !== null ? `(agent: ${p.agentError})` : cell(p.decision),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lease = v.leaseHolder ? `held by ${v.leaseHolder}${v.leaseRenewedSecondsAgo === null ? '' : `, renewed ${v.leaseRenewedSecondsAgo} s ago`}` : 'not held';
  return [`cluster ${v.cluster} in namespace ${v.namespace}: Lease ${v.cluster}-leader ${lease}`, '', line(header), ...rows.map(line), ...v.warnings.map((w) => `\nwarning: ${w}`)].join('\n') + '\n';
}
