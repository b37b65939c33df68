import { branchedOff, divergence, gtidAtLeast, gtidEqual, parseGtidPos, type GtidPos } from '../db/gtid.js';
import type { FailoverPolicy } from '../settings/settings.js';

/** What the local server looks like this cycle; `down` when it did not answer. */
export type LocalView =
  | { up: false; cause: 'refused' | 'timeout' | 'error'; error: string }
  | {
      up: true;
      readOnly: boolean;
      /** Everything this server has or will apply (binlog + relay log). */
      receivedPos: string;
      /** Replication source `host:port` when configured. */
      source: string | null;
      replicating: boolean;
      /** Replication stopped on error 1236: the source's binlog does not hold this server's history. */
      sourceRejected: string | null;
      /**
       * Why this server cannot apply what it received (its SQL thread stopped on an error, with a relay log not
       * yet applied), or null. Such a server must not promote: RESET SLAVE would discard acknowledged writes.
       */
      sqlBroken: string | null;
      /**
       * While this pod leads: the agent's session to its server is not the one it promoted on. A restart of the
       * server ends it, and crash recovery may have cut writes the followers hold; so does any lost connection,
       * which cannot be told apart.
       */
      restartedWhileLeading?: boolean;
    };

export interface LeaseView {
  /** False when the API could not be read this cycle. */
  readable: boolean;
  holder: string;
  lastHolder: string;
  /**
   * Nobody renewed it for a full lease duration, as measured by this agent's own clock. A Lease that vanished
   * or lost its holder without a release counts the same way, from when this agent first saw it so.
   */
  expired: boolean;
  /** Free because its holder released it (recorded in the Lease), rather than deleted or emptied by hand. */
  released: boolean;
  /** The GTID position the holder recorded when it last wrote the Lease. */
  position: string;
  /** Its resourceVersion, when there is a Lease object. */
  version?: string;
  /** The pods that may hold an acknowledged write, as the last leader recorded them; null: no record, all may. */
  members?: string[] | null;
  /** What the last holder had when it took the Lease: acknowledged writes of the leader before it may be only there. */
  inherited?: string;
  /** Who handed the Lease to its holder in a planned handover; empty for any other write. */
  handedBy?: string;
}

export interface PeerView {
  name: string;
  ordinal: number;
  /** Its agent answered /status. */
  reachable: boolean;
  mysqlUp: boolean;
  receivedPos: string;
  diverged: boolean;
  /** Its agent could read the Lease on its last cycle (a peer cut off from the API cannot promote). */
  apiReachable: boolean;
  /** `host:port` of its mysqld, as followers point replication at it. */
  mysqlAddress: string;
  /** Its server reports read_only OFF. */
  writable: boolean;
  /** Why its server cannot apply what it received, or null (see LocalView.sqlBroken). */
  sqlBroken: string | null;
  /** Not reachable directly: what it published in the API for this free or expired Lease (published.ts). */
  published?: boolean;
}

export interface Observation {
  self: string;
  ordinal: number;
  policy: FailoverPolicy;
  /** This agent has made its server the writable leader and not stepped down since. */
  leading: boolean;
  local: LocalView;
  lease: LeaseView;
  /** Milliseconds since the start of the last successful renew, when leading. */
  sinceRenewMs: number | null;
  /** When this agent must stop renewing and step down (renewDeadlineMs - loopIntervalMs). */
  stepDownAfterMs: number;
  /** A leader: for how long no semi-sync replica has been attached (null while one is). */
  noSemiSyncMs: number | null;
  /** A leader with peers and no semi-sync replica for this long steps down (semiSyncStepDownAfterMs). */
  semiSyncStepDownAfterMs: number;
  peers: PeerView[];
  /** False until the cluster's pods could be listed once (no configured peers): an election cannot know whom to count. */
  membersKnown?: boolean;
  /** Set for good once the source rejected this server's history; cleared only by a new datadir. */
  diverged: string | null;
}

export type Action =
  | { kind: 'lead' }
  | { kind: 'hold' }
  | { kind: 'promote'; take: boolean; risk: string | null }
  | { kind: 'demote'; release: boolean }
  | { kind: 'follow'; leader: string; address: string; reconfigure: boolean }
  /** `confirmed`: the source's own server refused this history (error 1236), not a comparison of positions. */
  | { kind: 'refuse'; reason: string; confirmed?: boolean }
  | { kind: 'wait'; blockedBy: string[] };

export interface Decision {
  action: Action;
  /** One sentence in plain words, logged when it changes and shown in /status. */
  reason: string;
}

function pos(p: GtidPos | string): string {
  const s = typeof p === 'string' ? p : [...p.values()].map((g) => `${g.domain}-${g.server}-${g.seq}`).join(',');
  return s === '' ? 'empty' : s;
}

/** Observation -> one action and why. Pure: the loop does the I/O. */
export function decide(o: Observation): Decision {
  const holdsLease = o.lease.readable && o.lease.holder === o.self;

  if (o.leading) {
    if (!o.local.up) {
      if (o.local.cause === 'refused') {
        return { action: { kind: 'demote', release: true }, reason: `my mysqld is down (${o.local.error}); releasing the lease so a follower takes over now` };
      }
      return { action: { kind: 'demote', release: false }, reason: `my mysqld does not answer (${o.local.error}); stepping down and letting the lease expire` };
    }
    if (o.local.restartedWhileLeading) {
      return {
        action: { kind: 'demote', release: true },
        reason: 'my mysqld may have restarted since I became leader (my session to it was replaced), and its crash recovery may have cut writes my followers hold; releasing the lease for an election',
      };
    }
    if (o.sinceRenewMs !== null && o.sinceRenewMs >= o.stepDownAfterMs) {
      return { action: { kind: 'demote', release: false }, reason: `could not renew the lease for ${o.sinceRenewMs} ms; read-only before anyone else may take it` };
    }
    if (!o.lease.readable) {
      return { action: { kind: 'hold' }, reason: `cannot reach the API (${o.sinceRenewMs ?? 0} ms since the last renew); still leader until ${o.stepDownAfterMs} ms` };
    }
    if (!holdsLease) {
      return { action: { kind: 'demote', release: false }, reason: o.lease.holder ? `${o.lease.holder} holds the lease now; stepping down` : 'the lease is no longer mine; stepping down' };
    }
    if (o.peers.length > 0 && o.noSemiSyncMs !== null && o.noSemiSyncMs >= o.semiSyncStepDownAfterMs) {
      // Every commit waits for an acknowledgement nobody can give: better a follower that peers can replicate from.
      return { action: { kind: 'demote', release: true }, reason: `no replica has acknowledged writes for ${o.noSemiSyncMs} ms; stepping down so a follower that reaches its peers can lead` };
    }
    return { action: { kind: 'lead' }, reason: 'I hold the lease, renewed' };
  }

  if (o.diverged) return { action: { kind: 'refuse', reason: o.diverged, confirmed: true }, reason: `refusing to replicate: ${o.diverged}` };
  if (!o.local.up) return { action: { kind: 'wait', blockedBy: [] }, reason: `my mysqld is not answering (${o.local.error}); not a candidate` };
  if (o.local.sourceRejected) {
    const judged = judgeRejection(o);
    if (judged) return judged;
  }
  if (!o.lease.readable) return { action: { kind: 'wait', blockedBy: [] }, reason: 'cannot reach the API; read-only, keeping replication as it is' };

  if (holdsLease) {
    // A holder whose agent or mysqld restarted: crash recovery may have cut its binlog below what it recorded.
    const recorded = parseGtidPos(o.lease.position);
    if (!gtidAtLeast(parseGtidPos(o.local.receivedPos), recorded)) {
      return {
        action: { kind: 'demote', release: true },
        reason: `the lease is mine but my server (${pos(o.local.receivedPos)}) is behind the position I recorded in it (${pos(recorded)}); releasing it for an election`,
      };
    }
    if (o.local.sqlBroken) return { action: { kind: 'demote', release: true }, reason: `the lease is mine but ${o.local.sqlBroken}; releasing it for an election` };
    // A planned handover: the old leader saw this pod apply everything it had before it handed the Lease over.
    if (o.lease.handedBy) return { action: { kind: 'promote', take: false, risk: null }, reason: `the lease was handed to me by ${o.lease.handedBy}; promoting` };
    // Otherwise this pod took the Lease itself and has not led yet, or its agent or mysqld restarted since it led.
    // Crash recovery may have cut acknowledged writes from its binlog that its followers hold (with the binlog on,
    // InnoDB's commit is not made durable on its own, and init_rpl_role=SLAVE truncates what is only prepared):
    // it leads again only if it would win an election now.
    const e = election(o);
    if (e.action.kind === 'promote') {
      return { action: { kind: 'promote', take: false, risk: e.action.risk }, reason: `the lease is mine and I would win an election now (${e.reason}); promoting` };
    }
    return { action: { kind: 'demote', release: true }, reason: `the lease is mine but I would not win an election now (${e.reason}); releasing it` };
  }

  if (o.lease.holder && !o.lease.expired) return follow(o);
  if (!o.lease.holder && !o.lease.released && !o.lease.expired) {
    return { action: { kind: 'wait', blockedBy: [] }, reason: 'the lease vanished or lost its holder without a release; waiting a lease duration as if it had expired' };
  }
  return election(o);
}

/**
 * The source refused this server's history (error 1236). When this server is ahead of the source in the source's
 * own server id, the source lost transactions it wrote and this server received (a crash recovery cut its binlog):
 * they may be acknowledged, so this server is no divergent copy but a candidate, and the source must not lead
 * again. It waits while the source holds a valid Lease, and otherwise goes on as any follower (an election, or
 * following another holder). It refuses, and is diverged for good, only when it holds a history the source never
 * had. Null: go on with the usual decision.
 */
function judgeRejection(o: Observation): Decision | null {
  const local = o.local as Extract<LocalView, { up: true }>;
  const source = o.peers.find((p) => p.mysqlAddress === local.source);
  const known = source?.reachable && source.mysqlUp ? parseGtidPos(source.receivedPos) : null;
  const lost = source ? lostTail(parseGtidPos(local.receivedPos), known, source.ordinal + 1, local.sourceRejected!) : null;
  if (!source || !lost) {
    return { action: { kind: 'refuse', reason: local.sourceRejected!, confirmed: true }, reason: `refusing to replicate: ${local.sourceRejected}` };
  }
  if (o.lease.readable && o.lease.holder === source.name && !o.lease.expired) {
    return {
      action: { kind: 'wait', blockedBy: [source.name] },
      reason: `${source.name} holds the lease but lost ${lost}, which it wrote and I hold; not replicating from it, waiting for it to yield`,
    };
  }
  return null;
}

/**
 * What `mine` holds beyond the source's position when all of it was written by the source (`sourceId`) and `mine`
 * has everything the source has: the tail the source lost. With the source's position unknown, the refusal itself
 * must say so (the GTID this server asked for, written by the source, is missing from the source's binlog, rather
 * than purged from it) and every domain's last transaction here must be the source's. Null otherwise.
 */
function lostTail(mine: GtidPos, theirs: GtidPos | null, sourceId: number, refusal: string): string | null {
  if (theirs && !gtidAtLeast(mine, theirs)) return null;
  if (!theirs) {
    const asked = /requested to start from GTID \d+-(\d+)-\d+, which is not in the master's binlog/.exec(refusal);
    if (!asked || Number(asked[1]) !== sourceId) return null;
  }
  const beyond = [...mine.values()].filter((g) => !theirs || (theirs.get(g.domain)?.seq ?? -1n) < g.seq);
  if (beyond.length === 0 || beyond.some((g) => g.server !== sourceId)) return null;
  return beyond.map((g) => `${g.domain}-${g.server}-${theirs?.get(g.domain) ? `${theirs.get(g.domain)!.seq + 1n}..` : ''}${g.seq}`).join(', ');
}

function follow(o: Observation): Decision {
  const leader = o.lease.holder;
  const peer = o.peers.find((p) => p.name === leader);
  if (!peer) return { action: { kind: 'wait', blockedBy: [leader] }, reason: `${leader} holds the lease but is not a known peer; waiting` };
  const local = o.local as Extract<LocalView, { up: true }>;
  const following = local.source === peer.mysqlAddress;
  if (following && local.replicating) {
    return { action: { kind: 'follow', leader, address: peer.mysqlAddress, reconfigure: false }, reason: `following ${leader}` };
  }
  if (!following) {
    if (!peer.reachable || !peer.mysqlUp) {
      return { action: { kind: 'wait', blockedBy: [leader] }, reason: `${leader} holds the lease but its position is unknown; waiting before following it` };
    }
    const mine = parseGtidPos(local.receivedPos);
    const why = divergence(mine, parseGtidPos(peer.receivedPos)) ?? branchedOff(mine, parseGtidPos(o.lease.inherited ?? ''), peer.ordinal + 1);
    if (why) return { action: { kind: 'refuse', reason: why }, reason: `refusing to replicate from ${leader}: ${why}` };
  }
  return { action: { kind: 'follow', leader, address: peer.mysqlAddress, reconfigure: !following }, reason: following ? `restarting replication from ${leader}` : `${leader} holds the lease; replicating from it` };
}

/**
 * Whether this pod may take the free or expired Lease and promote: the zero-loss election rule (docs/ha.md).
 * Also the re-check after the CAS, with positions taken afresh from peers whose IO threads are frozen.
 */
export function election(o: Observation): Decision {
  if (!o.local.up) return { action: { kind: 'wait', blockedBy: [] }, reason: `my mysqld is not answering (${o.local.error}); not a candidate` };
  const local = o.local;
  const mine = parseGtidPos(local.receivedPos);
  const state =
    o.lease.holder === o.self && !o.lease.expired
      ? 'my lease, held since before a restart'
      : o.lease.holder
        ? `lease of ${o.lease.holder} expired`
        : o.lease.released
          ? 'lease free'
          : 'lease gone without a release';
  if (o.membersKnown === false) {
    return { action: { kind: 'wait', blockedBy: [] }, reason: `${state}; the cluster's pods could not be listed yet, so its members are unknown: not a candidate` };
  }
  const writable = o.peers.filter((p) => p.reachable && p.writable && p.name !== o.self).map((p) => p.name);
  if (writable.length > 0) {
    return { action: { kind: 'wait', blockedBy: writable }, reason: `${state}; ${writable.join(', ')} still reports a writable server, not promoting until it is read-only` };
  }
  if (local.sqlBroken) return { action: { kind: 'wait', blockedBy: [] }, reason: `${state}; not a candidate: ${local.sqlBroken}` };
  // The last holder is never waited for: what it holds beyond the others was never acknowledged (semi-sync put
  // every acknowledged write in a follower's relay log, which the follower applies even after a crash). When it
  // is back and could take the Lease itself, its binlog takes part like any other, so a restarted ex-leader that
  // is the most advanced leads again instead of being set aside.
  // A leader's own record of members never names itself: a last holder the record names took the Lease but
  // never led (it died on the way), so it may still hold acknowledged writes of the leader before it, received
  // as a follower. It is waited for like any member.
  const members = o.lease.members ?? null;
  const led = !(members?.includes(o.lease.lastHolder) ?? false);
  const others = o.peers.filter((p) => (p.name !== o.lease.lastHolder || !led) && p.name !== o.self);
  const lastHolder = o.peers.filter(
    (p) => led && p.name === o.lease.lastHolder && p.name !== o.self && p.reachable && !p.published && p.mysqlUp && !p.diverged && p.apiReachable && !p.sqlBroken,
  );
  // A diverged peer replicated nothing from the holders it refused, so even with its mysqld down (re-cloning)
  // it cannot hold the only copy of an acknowledged write. A pod the last leader never counted (Pending, still
  // cloning, never attached) cannot hold a write it acknowledged: it is compared when seen, never waited for.
  const seen = [...others.filter((p) => p.reachable && p.mysqlUp && !p.diverged), ...lastHolder];
  // No record and not one transaction anywhere in sight: a fresh cluster, where nothing was ever acknowledged.
  const fresh = members === null && mine.size === 0 && seen.every((p) => parseGtidPos(p.receivedPos).size === 0);
  const mayHoldAcknowledged = (p: PeerView) => (members === null ? !fresh : members.includes(p.name));
  const unseen = others.filter((p) => mayHoldAcknowledged(p) && (!p.reachable || (!p.mysqlUp && !p.diverged))).map((p) => p.name);
  let risk: string | null = null;
  if (unseen.length > 0) {
    if (o.policy === 'safe') {
      return {
        action: { kind: 'wait', blockedBy: unseen },
        reason: `${state}; cannot see ${unseen.join(', ')}, waiting: an acknowledged write may be only there`,
      };
    }
    risk = `promoting without ${unseen.join(', ')} (failoverPolicy available): a write acknowledged only there would be lost`;
  }
  // A pod that reaches no peer's agent directly (a leader cut off from its followers, which stepped down for want
  // of acknowledgements) would lead a cluster whose replicas cannot reach it: no commit could be acknowledged.
  if (o.peers.length > 0 && !o.peers.some((p) => p.name !== o.self && p.reachable && !p.published)) {
    return { action: { kind: 'wait', blockedBy: [] }, reason: `${state}; not a candidate: I reach no peer directly, so no replica could acknowledge my writes` };
  }
  for (const p of seen) {
    const theirs = parseGtidPos(p.receivedPos);
    if (!gtidAtLeast(mine, theirs)) {
      if (p.sqlBroken) {
        return {
          action: { kind: 'wait', blockedBy: [p.name] },
          reason: `${state}; ${p.name} is more advanced (${pos(theirs)} vs my ${pos(mine)}) but cannot promote: ${p.sqlBroken}; an acknowledged write may be only there, waiting for an operator`,
        };
      }
      return { action: { kind: 'wait', blockedBy: [] }, reason: `${state}; ${p.name} is more advanced (${pos(theirs)} vs my ${pos(mine)}), it should promote` };
    }
  }
  // The last holder is not waited for because what it wrote itself beyond the others was never acknowledged.
  // What it inherited, acknowledged as a follower of the leader before it, is another matter: someone in sight
  // must have all of it, or the election waits for the last holder.
  const inherited = parseGtidPos(o.lease.inherited ?? '');
  if (led && o.lease.lastHolder !== '' && o.lease.lastHolder !== o.self && lastHolder.length === 0 && inherited.size > 0) {
    const covered = [mine, ...seen.map((p) => parseGtidPos(p.receivedPos))].some((pos) => gtidAtLeast(pos, inherited));
    if (!covered) {
      const why = `${o.lease.lastHolder} took the Lease at ${pos(inherited)} and nobody in sight has all of it: a write it acknowledged as a follower may be only there`;
      if (o.policy === 'safe') return { action: { kind: 'wait', blockedBy: [o.lease.lastHolder] }, reason: `${state}; ${why}, waiting` };
      risk = risk ? `${risk}; ${why}` : `promoting without ${o.lease.lastHolder} (failoverPolicy available): ${why}`;
    }
  }
  const better = seen.find((p) => p.apiReachable && !p.sqlBroken && p.ordinal < o.ordinal && gtidEqual(mine, parseGtidPos(p.receivedPos)));
  if (better) {
    return { action: { kind: 'wait', blockedBy: [] }, reason: `${state}; ${better.name} is as advanced and has a lower ordinal, it should promote` };
  }
  const n = seen.length + 1;
  return {
    action: { kind: 'promote', take: true, risk },
    reason: `${state}, I am the most advanced of ${n} reachable, promoting${risk ? `; ${risk}` : ''}`,
  };
}
