import { positionBody, type Kube, type PublishedPosition } from '../kube/client.js';
import type { PeerAuth } from './peer-auth.js';
import type { Observation, PeerView } from './decide.js';

/** `pod`'s record of its position, sealed with the cluster key. */
export function sealPosition(auth: PeerAuth, pod: string, fields: Omit<PublishedPosition, 'sig'>): PublishedPosition {
  return { ...fields, sig: auth.seal('position', pod, positionBody(fields)) };
}

/** Whether a record is `pod`'s own: anyone who may patch the pod could write one, only a sealed one counts. */
export function sealedByPod(auth: PeerAuth, pod: string, p: PublishedPosition): boolean {
  return auth.sealed('position', pod, positionBody(p), p.sig);
}

/** No valid holder, as this pod sees the Lease: an election may run, and positions published for it count. */
export function electionOpen(o: Observation): boolean {
  if (o.leading || !o.lease.readable || !o.lease.version || o.lease.holder === o.self) return false;
  return o.lease.holder === '' ? o.lease.released || o.lease.expired : o.lease.expired;
}

function unseen(p: PeerView): boolean {
  return !p.reachable || (!p.mysqlUp && !p.diverged);
}

/**
 * Peers this pod cannot reach directly (a partition between pods), seen instead through the position each
 * published on its Pod for the same free or expired Lease version, with its IO thread stopped. Two followers cut
 * off from each other can then still elect the more advanced one, provided both reach the API. A peer that
 * published nothing valid stays unseen.
 */
export async function withPublished(kube: Kube, auth: PeerAuth, peers: PeerView[], leaseVersion: string, timeoutMs: number): Promise<PeerView[]> {
  return Promise.all(
    peers.map(async (p) => {
      if (!unseen(p)) return p;
      const pub = await Promise.race([
        kube.readPosition(p.name).catch(() => null),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
      ]);
      if (!pub || pub.lease !== leaseVersion || !sealedByPod(auth, p.name, pub)) return p;
      return { ...p, reachable: true, mysqlUp: true, receivedPos: pub.pos, diverged: pub.diverged, apiReachable: true, writable: !pub.readOnly, sqlBroken: pub.sqlBroken, published: true };
    }),
  );
}
