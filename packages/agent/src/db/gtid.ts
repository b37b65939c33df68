/**
 * MariaDB GTID positions: one `domain-server-seq` per replication domain, e.g. `0-1-42,1-3-7`.
 * With gtid_strict_mode, sequence numbers grow monotonically within a domain, so a position
 * is fully described by the last GTID of each domain.
 */
export interface Gtid {
  domain: number;
  server: number;
  seq: bigint;
}

export type GtidPos = ReadonlyMap<number, Gtid>;

export function parseGtidPos(text: string | null | undefined): GtidPos {
  const pos = new Map<number, Gtid>();
  if (!text) return pos;
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(item);
    if (!m) throw new Error(`not a MariaDB GTID: ${JSON.stringify(item)} in ${JSON.stringify(text)}`);
    const gtid = { domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]!) };
    const prev = pos.get(gtid.domain);
    if (!prev || prev.seq < gtid.seq) pos.set(gtid.domain, gtid);
  }
  return pos;
}

export function formatGtidPos(pos: GtidPos): string {
  return [...pos.values()]
    .sort((a, b) => a.domain - b.domain)
    .map((g) => `${g.domain}-${g.server}-${g.seq}`)
    .join(',');
}

/** Per domain, the later of the two positions: what a replica has received (relay log) or applied. */
export function mergeGtidPos(a: GtidPos, b: GtidPos): GtidPos {
  const out = new Map(a);
  for (const g of b.values()) {
    const prev = out.get(g.domain);
    if (!prev || prev.seq < g.seq) out.set(g.domain, g);
  }
  return out;
}

/** True when `a` has at least every domain's sequence number of `b` (a is as advanced as b). */
export function gtidAtLeast(a: GtidPos, b: GtidPos): boolean {
  for (const g of b.values()) {
    const mine = a.get(g.domain);
    if (!mine || mine.seq < g.seq) return false;
  }
  return true;
}

export function gtidEqual(a: GtidPos, b: GtidPos): boolean {
  return gtidAtLeast(a, b) && gtidAtLeast(b, a);
}

/**
 * Why `mine` cannot be a prefix of `theirs` (the leader's binlog), or null when it may be.
 * Positions alone cannot prove containment when `theirs` is further along, because the leader
 * may have written other transactions under the same sequence numbers; the leader's binlog check
 * (replication error 1236) catches that case when the replica connects.
 */
export function divergence(mine: GtidPos, theirs: GtidPos): string | null {
  for (const g of mine.values()) {
    const t = theirs.get(g.domain);
    if (!t) return `domain ${g.domain} has ${fmt(g)} here but no transaction on the leader`;
    if (t.seq < g.seq) return `domain ${g.domain} is at ${fmt(g)} here, beyond the leader's ${fmt(t)}`;
    if (t.seq === g.seq && t.server !== g.server) return `${fmt(g)} here and ${fmt(t)} on the leader are different transactions`;
  }
  return null;
}

/**
 * Why `mine` holds transactions the leader's history cannot have, judged against where that history branched off:
 * `inherited`, what the leader had when it took the Lease. The leader's binlog is that position plus what the leader
 * itself wrote since (its own server id), so a transaction here of another server id beyond the inherited sequence
 * is not in it, even once the leader's own writes have passed its sequence number (which `divergence` alone misses:
 * an ex-leader's unacknowledged tail of 0-1-12 looked like a prefix of the new leader's 0-2-15). Null when nothing
 * says so, or when the Lease records no inherited position.
 */
export function branchedOff(mine: GtidPos, inherited: GtidPos, leaderServerId: number): string | null {
  if (inherited.size === 0) return null;
  for (const g of mine.values()) {
    if (g.server === leaderServerId) continue;
    const i = inherited.get(g.domain);
    if (i && g.seq > i.seq) return `domain ${g.domain} is at ${fmt(g)} here, beyond ${fmt(i)}, where the leader's history starts`;
  }
  return null;
}

/**
 * The transactions `mine` holds beyond `theirs` that another server wrote (another server id than `ownServerId`),
 * judged by each domain's last transaction; empty when every extra transaction is this server's own (an
 * ex-leader's unacknowledged tail or an errant write on it). When `theirs` is unknown, every domain counts.
 */
export function foreignBeyond(mine: GtidPos, theirs: GtidPos | null, ownServerId: number): string[] {
  const foreign: string[] = [];
  for (const g of mine.values()) {
    const t = theirs?.get(g.domain);
    const beyond = !t || t.seq < g.seq || (t.seq === g.seq && t.server !== g.server);
    if (beyond && g.server !== ownServerId) foreign.push(fmt(g));
  }
  return foreign;
}

function fmt(g: Gtid): string {
  return `${g.domain}-${g.server}-${g.seq}`;
}

/** Total transactions across domains: only for display and metrics, never for decisions. */
export function gtidCount(pos: GtidPos): bigint {
  let n = 0n;
  for (const g of pos.values()) n += g.seq;
  return n;
}
