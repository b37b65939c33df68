import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { positionBody, type Kube, type PublishedPosition } from '../src/kube/client.js';
import { PeerAuth } from '../src/ha/peer-auth.js';
import type { Observation, PeerView } from '../src/ha/decide.js';
import { electionOpen, withPublished } from '../src/ha/published.js';

const peer = (name: string, over: Partial<PeerView> = {}): PeerView => ({
  name, ordinal: Number(name.slice(-1)), reachable: true, mysqlUp: true, receivedPos: '0-1-10', diverged: false, apiReachable: true, mysqlAddress: 'x', writable: false, sqlBroken: null, ...over,
});
const secrets = mkdtempSync(join(tmpdir(), 'published-test-'));
writeFileSync(join(secrets, 'clone-token'), 'the-cluster-key');
const auth = new PeerAuth(secrets, 'mysql-1');
type Fields = Omit<PublishedPosition, 'sig'>;
const sealed = (pod: string, f: Fields): PublishedPosition => ({ ...f, sig: auth.seal('position', pod, positionBody(f)) });
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
      'mysql-2': sealed('mysql-2', { lease: '42', pos: '0-1-12', readOnly: true, sqlBroken: null, diverged: false }),
      'mysql-3': sealed('mysql-3', { lease: '41', pos: '0-1-99', readOnly: true, sqlBroken: null, diverged: false }),
    });
    const [p2, p3, p4] = await withPublished(kube, auth, [peer('mysql-2', { reachable: false }), peer('mysql-3', { reachable: false }), peer('mysql-4', { reachable: false })], '42', 500);
    expect(p2).toMatchObject({ reachable: true, mysqlUp: true, receivedPos: '0-1-12', apiReachable: true, published: true });
    expect(p3).toMatchObject({ reachable: false, receivedPos: '0-1-10' });
    expect(p4).toMatchObject({ reachable: false });
  });

  it('report a peer that published a writable server as writable (the election then waits)', async () => {
    const kube = kubeWith({ 'mysql-2': sealed('mysql-2', { lease: '42', pos: '0-1-12', readOnly: false, sqlBroken: null, diverged: false }) });
    const [p2] = await withPublished(kube, auth, [peer('mysql-2', { reachable: false })], '42', 500);
    expect(p2?.writable).toBe(true);
  });

  it("ignore a record without the publisher's seal: forged, altered, or sealed by another pod", async () => {
    const fields: Fields = { lease: '42', pos: '', readOnly: true, sqlBroken: null, diverged: false };
    const forged = kubeWith({
      'mysql-2': { ...fields, sig: '' },
      'mysql-3': { ...sealed('mysql-3', { ...fields, pos: '0-1-99' }), pos: '' },
      'mysql-4': sealed('mysql-2', fields),
    });
    const views = await withPublished(forged, auth, ['mysql-2', 'mysql-3', 'mysql-4'].map((n) => peer(n, { reachable: false })), '42', 500);
    expect(views.map((v) => v.reachable)).toEqual([false, false, false]);
  });
});
