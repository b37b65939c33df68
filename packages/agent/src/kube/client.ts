import { ApiClient, ApiError, inClusterEndpoint, microTime } from './api-client.js';
import { ELECTION_POSITION_ANNOTATION, podSelector, ROLE_LABEL } from '@mysqlha/config';

export interface LeaseRecord {
  /** Empty when nobody holds it (never taken, or released). */
  holder: string;
  /** Who held it last: the holder, or who released it. A released Lease keeps that name in an annotation. */
  lastHolder: string;
  /**
   * Free because a holder released it (annotation mysqlha.io/released), named in lastHolder or not: a holder
   * that never led releases without its name. A Lease deleted or emptied by hand carries no such mark.
   */
  released: boolean;
  resourceVersion: string;
  transitions: number;
  /**
   * The holder's GTID position when it last wrote the Lease (annotation mysqlha.io/position): a holder that
   * restarts below it lost part of its history in crash recovery, and must not promote without an election.
   */
  position: string;
  /**
   * The pods that may hold a write the holder acknowledged (annotation mysqlha.io/members): every pod that was
   * up when it became the leader or replicated from it since. Null when the Lease records none.
   */
  members: string[] | null;
  /**
   * What the holder had when it took the Lease (annotation mysqlha.io/inherited), kept through its renews: writes
   * the previous leader acknowledged may exist only there and on the holder, whatever the holder did since.
   */
  inherited: string;
  /** Set only by a planned handover's write (annotation mysqlha.io/handed-by): who handed the Lease over. */
  handedBy: string;
}

export interface LeaseWrite {
  /** Marks a release: who let it go (the Lease's lastHolder from then on), or '' for a holder that never led. */
  releasedBy?: string;
  /** The writer's GTID position, recorded with a take, a renew or a handover. */
  position?: string;
  /** A leader's members this term; other writes keep the record as it is. */
  members?: string[];
  /** A planned handover: the pod handing the Lease to the new holder. Any later write drops it. */
  handedBy?: string;
}

/** A compare-and-swap lost to another writer (HTTP 409). */
export class LeaseConflict extends Error {
  constructor() {
    super('the Lease changed since it was read (409 Conflict)');
    this.name = 'LeaseConflict';
  }
}

export const RELEASED_BY = 'mysqlha.io/released-by';
export const RELEASED = 'mysqlha.io/released';
export const POSITION = 'mysqlha.io/position';
export const MEMBERS = 'mysqlha.io/members';
export const INHERITED = 'mysqlha.io/inherited';
export const HANDED_BY = 'mysqlha.io/handed-by';

/**
 * A follower's position, published on its own Pod when the Lease is free or expired and its IO thread is stopped,
 * so that a peer it cannot reach directly can still compare with it. Valid only for that Lease version: nothing
 * can reach its server after the holder's lease ended, and a new holder changes the version.
 */
export interface PublishedPosition {
  lease: string;
  pos: string;
  readOnly: boolean;
  sqlBroken: string | null;
  diverged: boolean;
  /** The publisher's seal over the fields above (PeerAuth.seal); a record without a valid one is ignored. */
  sig: string;
}

/** The fields of a published position that its seal covers, in a fixed order. */
export function positionBody(p: Omit<PublishedPosition, 'sig'>): string {
  return JSON.stringify([p.lease, p.pos, p.readOnly, p.sqlBroken, p.diverged]);
}

export interface KubeOptions {
  namespace: string;
  leaseName: string;
  leaseDurationMs: number;
  /** Every call gives up after this long, so a stuck API never delays a demotion. */
  timeoutMs: number;
  kubeApiUrl: string;
  kubeTokenFile: string;
  podName: string;
}

/** The parts of a Lease the agent reads and writes. */
interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

interface PodObject {
  metadata?: { name?: string; annotations?: Record<string, string>; ownerReferences?: { apiVersion?: string; kind?: string; name?: string; controller?: boolean }[] };
}

function toRecord(lease: LeaseObject): LeaseRecord {
  const holder = lease.spec?.holderIdentity ?? '';
  return {
    holder,
    lastHolder: holder || (lease.metadata?.annotations?.[RELEASED_BY] ?? ''),
    released: !holder && lease.metadata?.annotations?.[RELEASED] === 'true',
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    transitions: lease.spec?.leaseTransitions ?? 0,
    position: lease.metadata?.annotations?.[POSITION] ?? '',
    members: parseMembers(lease.metadata?.annotations?.[MEMBERS]),
    inherited: lease.metadata?.annotations?.[INHERITED] ?? '',
    handedBy: lease.metadata?.annotations?.[HANDED_BY] ?? '',
  };
}

function parseMembers(raw: string | undefined): string[] | null {
  return raw === undefined ? null : raw.split(',').map((m) => m.trim()).filter((m) => m !== '');
}

/** The HTTP status the API server refused a call with; undefined for a failure to reach it. */
export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiError ? err.status : undefined;
}

const MERGE_PATCH = 'application/merge-patch+json';

/**
 * The Kubernetes calls the agent makes, and nothing else (they match AGENT_RBAC_RULES). In a pod it is the
 * service account's in-cluster access, its token file re-read as it rotates; kubeApiUrl points elsewhere.
 */
export class Kube {
  private readonly api: ApiClient;

  constructor(private readonly o: KubeOptions) {
    const endpoint = o.kubeApiUrl ? { url: o.kubeApiUrl, tokenFile: o.kubeTokenFile, caFile: undefined } : inClusterEndpoint();
    this.api = new ApiClient(endpoint, o.timeoutMs);
  }

  private get ns(): string {
    return encodeURIComponent(this.o.namespace);
  }

  private leasePath(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.ns}/leases${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  private podPath(name?: string): string {
    return `/api/v1/namespaces/${this.ns}/pods${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  async getLease(): Promise<LeaseRecord | null> {
    try {
      return toRecord(await this.api.request<LeaseObject>('GET', this.leasePath(this.o.leaseName)));
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }

  private body(holder: string, prev: LeaseRecord | null, extra: LeaseWrite): LeaseObject {
    const now = microTime();
    const changed = (prev?.holder ?? '') !== holder;
    const inherited = changed && holder ? extra.position : prev?.inherited;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.leaseName,
        namespace: this.o.namespace,
        ...(prev ? { resourceVersion: prev.resourceVersion } : {}),
        annotations: {
          ...(extra.releasedBy !== undefined ? { [RELEASED]: 'true' } : {}),
          ...(extra.releasedBy ? { [RELEASED_BY]: extra.releasedBy } : {}),
          ...(extra.handedBy ? { [HANDED_BY]: extra.handedBy } : {}),
          // A release keeps the last holder's record: the election compares against it.
          ...((extra.position ?? prev?.position) ? { [POSITION]: extra.position ?? prev?.position ?? '' } : {}),
          ...((extra.members ?? prev?.members) ? { [MEMBERS]: (extra.members ?? prev?.members ?? []).join(',') } : {}),
          // Set when the Lease changes hands (a take records what the taker received), kept otherwise.
          ...(inherited ? { [INHERITED]: inherited } : {}),
        },
      },
      spec: {
        ...(holder ? { holderIdentity: holder } : {}),
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        renewTime: now,
        ...(changed && holder ? { acquireTime: now } : {}),
        leaseTransitions: (prev?.transitions ?? 0) + (changed && holder ? 1 : 0),
      },
    };
  }

  /**
   * Writes the Lease only if it is unchanged since `prev` was read (resourceVersion CAS), or creates it
   * when `prev` is null. Throws LeaseConflict when someone else wrote first.
   */
  async writeLease(prev: LeaseRecord | null, holder: string, extra: LeaseWrite = {}): Promise<LeaseRecord> {
    const body = this.body(holder, prev, extra);
    try {
      const out = prev
        ? await this.api.request<LeaseObject>('PUT', this.leasePath(this.o.leaseName), body)
        : await this.api.request<LeaseObject>('POST', this.leasePath(), body);
      return toRecord(out);
    } catch (err) {
      if (statusCode(err) === 409) throw new LeaseConflict();
      throw err;
    }
  }

  async labelRole(pod: string, role: 'leader' | 'follower'): Promise<void> {
    await this.api.request('PATCH', this.podPath(pod), { metadata: { labels: { [ROLE_LABEL]: role } } }, MERGE_PATCH);
  }

  async publishPosition(p: PublishedPosition): Promise<void> {
    await this.api.request('PATCH', this.podPath(this.o.podName), { metadata: { annotations: { [ELECTION_POSITION_ANNOTATION]: JSON.stringify(p) } } }, MERGE_PATCH);
  }

  /** What `pod` published, or null when nothing (valid) is there. */
  async readPosition(pod: string): Promise<PublishedPosition | null> {
    const p = await this.api.request<PodObject>('GET', this.podPath(pod));
    const raw = p.metadata?.annotations?.[ELECTION_POSITION_ANNOTATION];
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as Partial<PublishedPosition>;
      if (typeof v.lease !== 'string' || typeof v.pos !== 'string' || typeof v.readOnly !== 'boolean' || typeof v.diverged !== 'boolean') return null;
      return { lease: v.lease, pos: v.pos, readOnly: v.readOnly, diverged: v.diverged, sqlBroken: typeof v.sqlBroken === 'string' ? v.sqlBroken : null, sig: typeof v.sig === 'string' ? v.sig : '' };
    } catch {
      return null;
    }
  }

  /**
   * The cluster's pods: the StatefulSet's full selector, and only pods that StatefulSet controls. A pod that merely
   * carries the labels (anyone who may create pods can add them) is no member: it would get the clone token and
   * could hold up elections.
   */
  async listPods(cluster: string): Promise<string[]> {
    const list = await this.api.request<{ items: PodObject[] }>('GET', `${this.podPath()}?labelSelector=${encodeURIComponent(podSelector({ name: cluster }))}`);
    return list.items
      .filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'StatefulSet' && o.apiVersion === 'apps/v1' && o.name === cluster && o.controller === true))
      .map((p) => p.metadata?.name ?? '')
      .filter((n) => n !== '');
  }

  async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    // Event times are plain Times: the API server keeps whole seconds.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.api.request('POST', `/api/v1/namespaces/${this.ns}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${this.o.podName}.`, namespace: this.o.namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: this.o.podName, namespace: this.o.namespace },
      type,
      reason,
      message,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: 'mysqlha-agent', host: this.o.podName },
      reportingComponent: 'mysqlha.io/agent',
      reportingInstance: this.o.podName,
    });
  }

}
