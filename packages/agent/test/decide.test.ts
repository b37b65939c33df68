import { describe, expect, it } from 'vitest';
import { decide, type LocalView, type Observation, type PeerView } from '../src/ha/decide.js';

function peer(name: string, over: Partial<PeerView> = {}): PeerView {
  const ordinal = Number(name.split('-').pop());
  return { name, ordinal, reachable: true, mysqlUp: true, receivedPos: '0-1-10', diverged: false, apiReachable: true, mysqlAddress: `127.0.0.1:${14000 + ordinal}`, writable: false, sqlBroken: null, ...over };
}

function up(over: Partial<Extract<LocalView, { up: true }>> = {}): LocalView {
  return { up: true, readOnly: true, receivedPos: '0-1-10', source: null, replicating: false, sourceRejected: null, sqlBroken: null, ...over };
}

function obs(over: Partial<Observation> = {}): Observation {
  return {
    self: 'mysql-1',
    ordinal: 1,
    policy: 'safe',
    leading: false,
    local: up(),
    // A fresh cluster: no Lease, for longer than a lease duration.
    lease: { readable: true, holder: '', lastHolder: '', expired: true, released: false, position: '' },
    sinceRenewMs: null,
    stepDownAfterMs: 2000,
    noSemiSyncMs: null,
    semiSyncStepDownAfterMs: 30_000,
    peers: [peer('mysql-0'), peer('mysql-2')],
    diverged: null,
    ...over,
  };
}

const leader = (over: Partial<Observation> = {}) =>
  obs({ leading: true, local: up({ readOnly: false }), lease: { readable: true, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '' }, sinceRenewMs: 500, ...over });

describe('decide: the holder', () => {
  it('renews while its server is healthy and the Lease is its own', () => {
    expect(decide(leader())).toEqual({ action: { kind: 'lead' }, reason: 'I hold the lease, renewed' });
  });

  it('releases the Lease for an election when its session to its mysqld was replaced since it promoted (a restart may have cut writes)', () => {
    const d = decide(leader({ local: up({ readOnly: true, restartedWhileLeading: true }) }));
    expect(d.action).toEqual({ kind: 'demote', release: true });
    expect(d.reason).toMatch(/my mysqld may have restarted since I became leader/);
  });

  it('steps down (releasing once fenced) when no replica has acknowledged for semiSyncStepDownAfterMs, but not alone', () => {
    expect(decide(leader({ noSemiSyncMs: 29_999 })).action).toEqual({ kind: 'lead' });
    const d = decide(leader({ noSemiSyncMs: 30_000 }));
    expect(d.action).toEqual({ kind: 'demote', release: true });
    expect(d.reason).toMatch(/no replica has acknowledged writes for 30000 ms; stepping down/);
    expect(decide(leader({ noSemiSyncMs: 60_000, peers: [] })).action).toEqual({ kind: 'lead' });
  });

  it('releases the Lease at once when its mysqld is gone, so a follower need not wait for expiry', () => {
    const d = decide(leader({ local: { up: false, cause: 'refused', error: 'ECONNREFUSED' } }));
    expect(d.action).toEqual({ kind: 'demote', release: true });
    expect(d.reason).toMatch(/mysqld is down.*releasing the lease/);
  });

  it('steps down without releasing when its mysqld hangs (it may still be alive and writable)', () => {
    expect(decide(leader({ local: { up: false, cause: 'timeout', error: 'ETIMEDOUT' } })).action).toEqual({ kind: 'demote', release: false });
  });

  it('becomes read-only once it has not renewed for renewDeadline - loopInterval, even if the API is unreachable', () => {
    const d = decide(leader({ sinceRenewMs: 2000, lease: { readable: false, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '' } }));
    expect(d.action).toEqual({ kind: 'demote', release: false });
    expect(d.reason).toMatch(/could not renew the lease for 2000 ms/);
  });

  it('keeps serving through a short API outage, before the deadline', () => {
    const d = decide(leader({ sinceRenewMs: 1200, lease: { readable: false, holder: '', lastHolder: '', expired: false, released: false, position: '' } }));
    expect(d.action).toEqual({ kind: 'hold' });
  });

  it('steps down when another pod holds the Lease', () => {
    const d = decide(leader({ lease: { readable: true, holder: 'mysql-0', lastHolder: 'mysql-0', expired: false, released: false, position: '' } }));
    expect(d.action).toEqual({ kind: 'demote', release: false });
    expect(d.reason).toBe('mysql-0 holds the lease now; stepping down');
  });
});

describe('decide: election', () => {
  const freeAfter = (last: string) => ({ readable: true, holder: '', lastHolder: last, expired: false, released: true, position: '' });

  it('the lowest ordinal among equally advanced pods promotes on a fresh cluster', () => {
    expect(decide(obs({ self: 'mysql-0', ordinal: 0, peers: [peer('mysql-1'), peer('mysql-2')] })).action).toMatchObject({ kind: 'promote', take: true });
    const d = decide(obs());
    expect(d.action.kind).toBe('wait');
    expect(d.reason).toMatch(/mysql-0 is as advanced and has a lower ordinal/);
  });

  it('the most advanced follower promotes, whatever its ordinal', () => {
    const o = obs({ lease: freeAfter('mysql-0'), local: up({ receivedPos: '0-1-12' }), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { receivedPos: '0-1-11' })] });
    const d = decide(o);
    expect(d.action).toEqual({ kind: 'promote', take: true, risk: null });
    expect(d.reason).toBe('lease free, I am the most advanced of 2 reachable, promoting');
  });

  it('a less advanced follower waits for the more advanced one', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), local: up({ receivedPos: '0-1-9' }), peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { receivedPos: '0-1-10' })] }));
    expect(d.action.kind).toBe('wait');
    expect(d.reason).toMatch(/mysql-2 is more advanced \(0-1-10 vs my 0-1-9\)/);
  });

  it('counts the relay log: what a follower received, not only what it applied', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), local: up({ receivedPos: '0-1-10' }), peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { receivedPos: '0-1-11' })] }));
    expect(d.action.kind).toBe('wait');
  });

  it('under safe, waits and names an unreachable follower that may hold the only copy of an acknowledged write', () => {
    const o = obs({ lease: { readable: true, holder: 'mysql-0', lastHolder: 'mysql-0', expired: true, released: false, position: '' }, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { reachable: false })] });
    const d = decide(o);
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-2'] });
    expect(d.reason).toBe('lease of mysql-0 expired; cannot see mysql-2, waiting: an acknowledged write may be only there');
  });

  it('treats a peer whose agent answers but whose mysqld is down as unseen', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { mysqlUp: false })] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-2'] });
  });

  it('under available, promotes the most advanced reachable and says what it risks', () => {
    const d = decide(obs({ policy: 'available', lease: freeAfter('mysql-0'), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { reachable: false })] }));
    expect(d.action).toMatchObject({ kind: 'promote', take: true });
    expect(d.reason).toMatch(/promoting without mysql-2 \(failoverPolicy available\): a write acknowledged only there would be lost/);
  });

  it('does not wait for a former holder that is down or cannot take the Lease: its unreplicated tail was never acknowledged', () => {
    for (const gone of [{ reachable: false }, { mysqlUp: false }, { apiReachable: false }, { sqlBroken: 'its SQL thread stopped' }]) {
      const d = decide(obs({ lease: freeAfter('mysql-0'), peers: [peer('mysql-0', { receivedPos: '0-1-15', ...gone }), peer('mysql-2')] }));
      expect(d.action, JSON.stringify(gone)).toMatchObject({ kind: 'promote' });
    }
  });

  it('lets a restarted former holder that is the most advanced lead again instead of setting its binlog aside', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), peers: [peer('mysql-0', { receivedPos: '0-1-15' }), peer('mysql-2')] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(d.reason).toMatch(/mysql-0 is more advanced \(0-1-15 vs my 0-1-10\), it should promote/);
    const self = decide(obs({ self: 'mysql-0', ordinal: 0, lease: freeAfter('mysql-0'), local: up({ receivedPos: '0-1-15' }), peers: [peer('mysql-1'), peer('mysql-2')] }));
    expect(self.action).toMatchObject({ kind: 'promote', take: true });
  });

  it('waits for a member the last leader recorded, never for a pod it never counted (Pending, cloning)', () => {
    const recorded = { ...freeAfter('mysql-0'), members: ['mysql-1', 'mysql-2'] };
    const d = decide(obs({ lease: recorded, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { reachable: false }), peer('mysql-3', { reachable: false })] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-2'] });
    const pending = decide(obs({ lease: { ...recorded, members: ['mysql-1'] }, peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { reachable: false })] }));
    expect(pending.action).toMatchObject({ kind: 'promote' });
    // Seen, it is compared all the same.
    const ahead = decide(obs({ lease: { ...recorded, members: ['mysql-1'] }, peers: [peer('mysql-2', { receivedPos: '0-1-11' })] }));
    expect(ahead.action.kind).toBe('wait');
  });

  it('does not wait for a pod that never started on a fresh cluster, where nothing was ever written', () => {
    const empty = up({ receivedPos: '' });
    const d = decide(obs({ self: 'mysql-0', ordinal: 0, local: empty, peers: [peer('mysql-1', { receivedPos: '' }), peer('mysql-3', { reachable: false })] }));
    expect(d.action).toMatchObject({ kind: 'promote' });
    const written = decide(obs({ self: 'mysql-0', ordinal: 0, peers: [peer('mysql-1'), peer('mysql-3', { reachable: false })] }));
    expect(written.action).toEqual({ kind: 'wait', blockedBy: ['mysql-3'] });
  });

  it('waits for a last holder that took the Lease but never led (the record of members still names it)', () => {
    const expired = { readable: true, holder: 'mysql-0', lastHolder: 'mysql-0', expired: true, released: false, position: '0-1-10' };
    const neverLed = decide(obs({ lease: { ...expired, members: ['mysql-0', 'mysql-1', 'mysql-2'] }, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
    expect(neverLed.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
    const led = decide(obs({ lease: { ...expired, members: ['mysql-1', 'mysql-2'] }, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
    expect(led.action).toMatchObject({ kind: 'promote' });
  });

  it('a pod that reaches no peer directly is no candidate, however advanced (a leader cut off from its followers)', () => {
    const cutOff = decide(obs({ policy: 'available', lease: freeAfter('mysql-1'), local: up({ receivedPos: '0-1-20' }), peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { reachable: false })] }));
    expect(cutOff.reason).toMatch(/I reach no peer directly/);
    const published = [peer('mysql-0', { published: true }), peer('mysql-2', { published: true })];
    expect(decide(obs({ lease: freeAfter('mysql-1'), local: up({ receivedPos: '0-1-20' }), peers: published })).reason).toMatch(/I reach no peer directly/);
    // Its published position does not hold the followers back either.
    const follower = decide(obs({ self: 'mysql-2', ordinal: 2, lease: freeAfter('mysql-1'), peers: [peer('mysql-0'), peer('mysql-1', { receivedPos: '0-1-20', published: true })] }));
    expect(follower.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(follower.reason).toMatch(/mysql-0 is as advanced and has a lower ordinal/);
  });

  it('waits for a last holder that led when nobody in sight has what it inherited at its take', () => {
    // mysql-0 took over at 0-1-15 (writes of the leader before it, acknowledged by mysql-0 alone), led, and died.
    const lease = { readable: true, holder: '', lastHolder: 'mysql-0', expired: false, released: true, position: '0-2-30', members: ['mysql-1'], inherited: '0-1-15' };
    const d = decide(obs({ lease, local: up({ receivedPos: '0-1-12' }), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { receivedPos: '0-1-12' })] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
    expect(d.reason).toMatch(/mysql-0 took the Lease at 0-1-15 and nobody in sight has all of it/);
    // Once a follower has all of it, the last holder's own tail is no reason to wait.
    expect(decide(obs({ lease, local: up({ receivedPos: '0-2-20' }), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { receivedPos: '0-2-19' })] })).action).toMatchObject({ kind: 'promote' });
    expect(decide(obs({ policy: 'available', lease, local: up({ receivedPos: '0-1-12' }), peers: [peer('mysql-0', { mysqlUp: false }), peer('mysql-2', { receivedPos: '0-1-12' })] })).action).toMatchObject({ kind: 'promote' });
  });

  it('never elects itself alone when the pod list failed and nothing names the members', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), peers: [], membersKnown: false }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(d.reason).toMatch(/members are unknown/);
  });

  it('does not defer to a lower ordinal that cannot reach the API (it could never take the Lease)', () => {
    const d = decide(obs({ lease: freeAfter('mysql-2'), peers: [peer('mysql-0', { apiReachable: false }), peer('mysql-2')] }));
    expect(d.action).toMatchObject({ kind: 'promote' });
  });

  it('ignores a diverged peer', () => {
    const d = decide(obs({ lease: freeAfter('mysql-2'), peers: [peer('mysql-0', { diverged: true, receivedPos: '0-9-99' }), peer('mysql-2')] }));
    expect(d.action).toMatchObject({ kind: 'promote' });
  });

  it('does not wait for a diverged peer whose mysqld is down (it is re-cloning)', () => {
    const d = decide(obs({ lease: freeAfter('mysql-0'), peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { diverged: true, mysqlUp: false })] }));
    expect(d.action).toMatchObject({ kind: 'promote' });
  });

  it('is never a candidate with its own mysqld down', () => {
    const d = decide(obs({ local: { up: false, cause: 'refused', error: 'ECONNREFUSED' } }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(d.reason).toMatch(/not a candidate/);
  });

  it('promotes without an election when the Lease was handed to it', () => {
    const d = decide(obs({ lease: { readable: true, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '', handedBy: 'mysql-0' } }));
    expect(d.action).toEqual({ kind: 'promote', take: false, risk: null });
  });

  it('a restarted holder (not handed the Lease) leads again only if it would win an election now', () => {
    // Its crash recovery cut 0-1-11 and 0-1-12 (acknowledged, only prepared in InnoDB); its followers hold them.
    const mine = { readable: true, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '0-1-10', members: ['mysql-0', 'mysql-2'] };
    const d = decide(obs({ lease: mine, local: up({ receivedPos: '0-1-10' }), peers: [peer('mysql-0', { receivedPos: '0-1-12' }), peer('mysql-2', { receivedPos: '0-1-12' })] }));
    expect(d.action).toEqual({ kind: 'demote', release: true });
    expect(d.reason).toMatch(/would not win an election now .*mysql-0 is more advanced/);
    // As advanced as every member it sees, and none unseen: it leads again.
    const again = decide(obs({ self: 'mysql-0', ordinal: 0, lease: { ...mine, holder: 'mysql-0', lastHolder: 'mysql-0', members: ['mysql-1', 'mysql-2'] }, peers: [peer('mysql-1'), peer('mysql-2')] }));
    expect(again.action).toMatchObject({ kind: 'promote', take: false });
  });

  it('waits, read-only, while it cannot read the Lease', () => {
    expect(decide(obs({ lease: { readable: false, holder: '', lastHolder: '', expired: false, released: false, position: '' } })).action).toEqual({ kind: 'wait', blockedBy: [] });
  });
});

describe('decide: followers', () => {
  const held = { readable: true, holder: 'mysql-0', lastHolder: 'mysql-0', expired: false, released: false, position: '' };

  it('points replication at a new holder after checking its history is a prefix of the leader', () => {
    const d = decide(obs({ lease: held, peers: [peer('mysql-0', { receivedPos: '0-1-12' }), peer('mysql-2')] }));
    expect(d.action).toEqual({ kind: 'follow', leader: 'mysql-0', address: '127.0.0.1:14000', reconfigure: true });
  });

  it('keeps following while replication runs', () => {
    const d = decide(obs({ lease: held, local: up({ source: '127.0.0.1:14000', replicating: true }) }));
    expect(d).toEqual({ action: { kind: 'follow', leader: 'mysql-0', address: '127.0.0.1:14000', reconfigure: false }, reason: 'following mysql-0' });
  });

  it('restarts stopped replication from the same source without reconfiguring it', () => {
    const d = decide(obs({ lease: held, local: up({ source: '127.0.0.1:14000', replicating: false }) }));
    expect(d.action).toMatchObject({ kind: 'follow', reconfigure: false });
  });

  it('refuses to replicate over a history the leader does not have', () => {
    const d = decide(obs({ lease: held, local: up({ receivedPos: '0-2-11' }), peers: [peer('mysql-0', { receivedPos: '0-1-11' }), peer('mysql-2')] }));
    expect(d.action.kind).toBe('refuse');
    expect(d.reason).toMatch(/refusing to replicate from mysql-0: 0-2-11 here and 0-1-11 on the leader are different transactions/);
  });

  it('refuses an ex-leader tail the new leader never had, even once the new leader’s own writes passed its sequence', () => {
    // mysql-1 took the Lease at 0-1-2; this server (the ex-leader, server 1) kept committing alone to 0-1-12,
    // unacknowledged; mysql-1 has written up to 0-2-15 since.
    const taken = { ...held, holder: 'mysql-1', lastHolder: 'mysql-1', inherited: '0-1-2' };
    const leader = peer('mysql-1', { receivedPos: '0-2-15', mysqlAddress: '127.0.0.1:14001' });
    const ex = { self: 'mysql-0', ordinal: 0 };
    const d = decide(obs({ ...ex, lease: taken, local: up({ receivedPos: '0-1-12' }), peers: [leader, peer('mysql-2')] }));
    expect(d.action.kind).toBe('refuse');
    expect(d.reason).toMatch(/refusing to replicate from mysql-1: domain 0 is at 0-1-12 here, beyond 0-1-2, where the leader's history starts/);
    // A follower that has what the leader took, and then the leader's own writes, follows.
    expect(decide(obs({ ...ex, lease: taken, local: up({ receivedPos: '0-1-2' }), peers: [leader, peer('mysql-2')] })).action).toMatchObject({ kind: 'follow', leader: 'mysql-1' });
    expect(decide(obs({ ...ex, lease: taken, local: up({ receivedPos: '0-2-9' }), peers: [leader, peer('mysql-2')] })).action).toMatchObject({ kind: 'follow', leader: 'mysql-1' });
  });

  it('refuses for good once the leader rejected its history (error 1236)', () => {
    const why = "the leader's binlog does not hold this server's history (error 1236: ...)";
    expect(decide(obs({ lease: held, diverged: why })).action).toEqual({ kind: 'refuse', reason: why, confirmed: true });
    expect(decide(obs({ lease: held, local: up({ sourceRejected: why }) })).action).toEqual({ kind: 'refuse', reason: why, confirmed: true });
    // Its own transaction beyond the leader's: an errant write, not a tail the leader lost.
    const errant = up({ source: '127.0.0.1:14000', sourceRejected: why, receivedPos: '0-2-11' });
    expect(decide(obs({ lease: held, local: errant })).action).toEqual({ kind: 'refuse', reason: why, confirmed: true });
    expect(decide(obs({ lease: held, local: errant, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] })).action).toMatchObject({ kind: 'refuse', confirmed: true });
  });

  describe('refused by a holder whose crash recovery cut transactions it wrote and this pod received', () => {
    const why = "the leader's binlog does not hold this server's history (error 1236: Got fatal error 1236 from master when reading data from binary log: 'Error: connecting slave requested to start from GTID 0-1-12, which is not in the master's binlog')";
    const ahead = up({ source: '127.0.0.1:14000', sourceRejected: why, receivedPos: '0-1-12' });

    it('is no divergent copy: it waits for the holder to yield, staying a candidate (not diverged)', () => {
      const d = decide(obs({ lease: held, local: ahead }));
      expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
      expect(d.reason).toBe('mysql-0 holds the lease but lost 0-1-11..12, which it wrote and I hold; not replicating from it, waiting for it to yield');
      // Its agent unreachable: the last transaction here is still the holder's own, so it waits rather than diverging.
      const unseen = decide(obs({ lease: held, local: ahead, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
      expect(unseen.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
      // Unless the refusal says something else: the binlog it needs was purged (a follower left behind, not ahead).
      const purged = up({ source: '127.0.0.1:14000', receivedPos: '0-1-12', sourceRejected: "(error 1236: Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged.)" });
      expect(decide(obs({ lease: held, local: purged, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] })).action).toMatchObject({ kind: 'refuse', confirmed: true });
    });

    it('takes part in the election once the holder released or lost the Lease, and wins as the most advanced', () => {
      const released = { ...held, holder: '', released: true };
      expect(decide(obs({ lease: released, local: ahead })).action).toMatchObject({ kind: 'promote', take: true });
      expect(decide(obs({ lease: { ...held, expired: true }, local: ahead })).action).toMatchObject({ kind: 'promote', take: true });
    });

    it('follows another holder instead of waiting for the one that refused it', () => {
      const d = decide(obs({ lease: { ...held, holder: 'mysql-2' }, local: ahead, peers: [peer('mysql-0'), peer('mysql-2', { receivedPos: '0-1-12' })] }));
      expect(d.action).toEqual({ kind: 'follow', leader: 'mysql-2', address: '127.0.0.1:14002', reconfigure: true });
    });

    it('the restarted holder that lost them releases the Lease for an election instead of leading', () => {
      const restarted = obs({ self: 'mysql-0', ordinal: 0, lease: { ...held, position: '0-1-9' }, local: up({ receivedPos: '0-1-10' }), peers: [peer('mysql-1', { receivedPos: '0-1-12' }), peer('mysql-2', { receivedPos: '0-1-12' })] });
      const d = decide(restarted);
      expect(d.action).toEqual({ kind: 'demote', release: true });
      expect(d.reason).toMatch(/the lease is mine but I would not win an election now .*mysql-1 is more advanced/);
    });
  });

  it('does not start following a holder whose position it cannot see', () => {
    const d = decide(obs({ lease: held, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
  });

  it('elects when the holder stopped renewing for a full lease duration', () => {
    const d = decide(obs({ self: 'mysql-1', lease: { ...held, expired: true }, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { receivedPos: '0-1-9' })] }));
    expect(d.action).toMatchObject({ kind: 'promote', take: true });
    expect(d.reason).toMatch(/^lease of mysql-0 expired, I am the most advanced of 2 reachable/);
  });
});

describe('decide: adversarial cases (docs/ha.md, the election)', () => {
  const broken = 'its SQL thread stopped on error 1062 (duplicate key) with 0-1-12 received but only 0-1-10 applied';
  const free = { readable: true, holder: '', lastHolder: 'mysql-0', expired: false, released: true, position: '' };

  it('a follower that cannot apply what it received is no candidate, however advanced', () => {
    const d = decide(obs({ lease: free, local: up({ receivedPos: '0-1-12', sqlBroken: broken }), peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(d.reason).toContain(`not a candidate: ${broken}`);
  });

  it('when the most advanced peer cannot apply its relay log, the others wait for an operator instead of promoting without it', () => {
    const d = decide(obs({ lease: free, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2', { receivedPos: '0-1-12', sqlBroken: broken })] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-2'] });
    expect(d.reason).toContain('mysql-2 is more advanced (0-1-12 vs my 0-1-10) but cannot promote');
  });

  it('nobody promotes while any member reports a writable server', () => {
    const d = decide(obs({ lease: free, peers: [peer('mysql-0', { writable: true, receivedPos: '0-1-9' }), peer('mysql-2')] }));
    expect(d.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
    expect(d.reason).toBe('lease free; mysql-0 still reports a writable server, not promoting until it is read-only');
  });

  it('a Lease deleted or emptied by hand is treated as a holder\'s: wait a lease duration, then an election that excludes nobody', () => {
    const vanished = { readable: true, holder: '', lastHolder: '', expired: false, released: false, position: '' };
    const waiting = decide(obs({ lease: vanished }));
    expect(waiting.action).toEqual({ kind: 'wait', blockedBy: [] });
    expect(waiting.reason).toMatch(/vanished or lost its holder without a release/);
    const after = decide(obs({ lease: { ...vanished, expired: true }, peers: [peer('mysql-0', { reachable: false }), peer('mysql-2')] }));
    expect(after.action).toEqual({ kind: 'wait', blockedBy: ['mysql-0'] });
    expect(after.reason).toMatch(/^lease gone without a release; cannot see mysql-0/);
  });

  it('a restarted holder below the position it recorded in the Lease releases it for an election instead of promoting', () => {
    const mine = { readable: true, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '0-2-17594' };
    const d = decide(obs({ lease: mine, local: up({ receivedPos: '0-2-17593' }) }));
    expect(d.action).toEqual({ kind: 'demote', release: true });
    expect(d.reason).toContain('is behind the position I recorded in it (0-2-17594)');
    expect(decide(obs({ lease: mine, local: up({ receivedPos: '0-2-17594' }) })).action).toEqual({ kind: 'promote', take: false, risk: null });
  });

  it('a holder that cannot apply its relay log releases the Lease rather than promote without it', () => {
    const mine = { readable: true, holder: 'mysql-1', lastHolder: 'mysql-1', expired: false, released: false, position: '' };
    expect(decide(obs({ lease: mine, local: up({ sqlBroken: broken }) })).action).toEqual({ kind: 'demote', release: true });
  });
});
