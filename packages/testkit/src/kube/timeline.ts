import { now } from '../util/clock.js';

export interface LeaseRecord {
  time: number;
  name: string;
  holder: string | undefined;
  resourceVersion: string;
  op: 'create' | 'update';
  /** The caller (pod name from its bearer token). */
  by: string;
}

export interface LabelRecord {
  time: number;
  pod: string;
  role: string | undefined;
  labels: Record<string, string>;
  by: string;
}

export interface EventRecord {
  time: number;
  by: string;
  type: string | undefined;
  reason: string | undefined;
  message: string | undefined;
  involvedObject: string | undefined;
  object: Record<string, unknown>;
}

export interface LeaderOverlap {
  pods: string[];
  from: number;
  to: number;
  ms: number;
}

/** Everything that changed in the fake API, in order, for assertions after the fact. */
export class Timeline {
  readonly leases: LeaseRecord[] = [];
  readonly labels: LabelRecord[] = [];
  readonly events: EventRecord[] = [];
  /** Requests for endpoints the fake does not serve (method and path): a caller needing more than the contract. */
  readonly unhandled: string[] = [];

  /** Lease writes that changed the holder (the first write included). */
  holderChanges(leaseName?: string): LeaseRecord[] {
    const changes: LeaseRecord[] = [];
    const last = new Map<string, string | undefined>();
    for (const record of this.leases) {
      if (leaseName !== undefined && record.name !== leaseName) continue;
      if (!last.has(record.name) || last.get(record.name) !== record.holder) changes.push(record);
      last.set(record.name, record.holder);
    }
    return changes;
  }

  /** Every interval in which more than one pod was labelled leader (ROLE_LABEL) (what the leader Service would route to). */
  leaderOverlaps(until = now()): LeaderOverlap[] {
    const leaders = new Set<string>();
    const overlaps: LeaderOverlap[] = [];
    let open: { pods: Set<string>; from: number } | undefined;
    for (const record of this.labels) {
      if (record.role === 'leader') leaders.add(record.pod);
      else leaders.delete(record.pod);
      if (leaders.size > 1) {
        if (open) for (const pod of leaders) open.pods.add(pod);
        else open = { pods: new Set(leaders), from: record.time };
      } else if (open) {
        overlaps.push({ pods: [...open.pods].sort(), from: open.from, to: record.time, ms: record.time - open.from });
        open = undefined;
      }
    }
    if (open) overlaps.push({ pods: [...open.pods].sort(), from: open.from, to: until, ms: until - open.from });
    return overlaps;
  }
}
