import { describe, expect, it } from 'vitest';
import type { Kube, PublishedPosition } from '../src/kube/client.js';
import type { Observation, PeerView } from '../src/ha/decide.js';
import { electionOpen, withPublished } from '../src/ha/published.js';

const peer = (name: string, over: Partial<PeerView> = {}): PeerView => ({
  name, ordinal: Number(name.slice(-1)), reachable: true, mysqlUp: true, receivedPos: '0-1-10', diverged: false, apiReachable: true, mysqlAddress: 'x', writable: false, sqlBroken: null, ...over,
});
const kubeWith = (published: Record<string, PublishedPosition>): Kube => ({ readPosition: async (pod: string) => published[pod] ?? null }) as unknown as Kube;
const lease = (over: Partial<Observation['lease']>): Observation['lease'] => ({ readable: true, holder: '', lastHolder: 'mysql-0', expired: false, released: true, position: '', version: '42', ...over });
const obs = (l: Observation['lease'], leading = false): Observation => ({ self: 'mysql-1', lease: l, leading } as Observation);

describe('positions published in the API for an election between pods that cannot reach each other', () => {
  it('count only while no valid holder exists, as this pod sees the Lease', () => {
    expect(electionOpen(obs(lease({})))).toBe(true);
    expect(electionOpen(obs(lease({ holder: 'mysql-0', released: false, expired: true })))).toBe(true);
    expect(electionOpen(obs(lease({ holder: 'mysql-0', released: false })))).toBe(false);
    expect(electionOpen(obs(lease({ version: undefined })))).toBe(false);
    expect(electionOpen(obs(lease({ readable: false })))).toBe(false);
    expect(electionOpen(obs(lease({}), true))).toBe(false);
  });

  it('stand in for an unreachable peer only when published for the same Lease version', async () => {
    const kube = kubeWith({
      'mysql-2': { lease: '42', pos: '0-1-12', readOnly: true, sqlBroken: null, diverged: false },
      'mysql-3': { lease: '41', pos: '0-1-99', readOnly: true, sqlBroken: null, diverged: false },
    });
    const [p2, p3, p4] = await withPublished(kube, [peer('mysql-2', { reachable: false }), peer('mysql-3', { reachable: false }), peer('mysql-4', { reachable: false })], '42', 500);
    expect(p2).toMatchObject({ reachable: true, mysqlUp: true, receivedPos: '0-1-12', apiReachable: true, published: true });
    expect(p3).toMatchObject({ reachable: false, receivedPos: '0-1-10' });
    expect(p4).toMatchObject({ reachable: false });
  });

  it('report a peer that published a writable server as writable (the election then waits)', async () => {
    const kube = kubeWith({ 'mysql-2': { lease: '42', pos: '0-1-12', readOnly: false, sqlBroken: null, diverged: false } });
    const [p2] = await withPublished(kube, [peer('mysql-2', { reachable: false })], '42', 500);
    expect(p2?.writable).toBe(true);
  });
});
