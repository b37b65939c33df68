import { randomUUID } from 'node:crypto';
import { ROLE_LABEL } from '@mysqlha/config';
import { now } from '../util/clock.js';
import { mergePatch } from './merge-patch.js';
import { parseLabelSelector } from './selector.js';
import { alreadyExists, badRequest, conflict, invalid, notFound } from './status.js';
import type { Timeline } from './timeline.js';

type KubeObject = Record<string, any>;

const LEASES = { resource: 'leases', group: 'coordination.k8s.io' };

function clone<T>(value: T): T {
  return structuredClone(value);
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The objects of one namespace and the semantics the agent relies on: a cluster-wide resourceVersion bumped by
 * every write, optimistic concurrency on it, 404 for missing names, 409 for conflicts and existing names.
 */
export class ApiStore {
  readonly leases = new Map<string, KubeObject>();
  readonly pods = new Map<string, KubeObject>();
  readonly secrets = new Map<string, KubeObject>();
  readonly events: KubeObject[] = [];
  #revision = 1;

  constructor(
    readonly namespace: string,
    readonly timeline: Timeline,
    podNames: string[],
    podLabels: Record<string, string>,
  ) {
    for (const name of podNames) {
      const ordinal = /-(\d+)$/.exec(name)?.[1];
      this.pods.set(name, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace,
          uid: randomUUID(),
          resourceVersion: this.#nextVersion(),
          creationTimestamp: timestamp(),
          labels: {
            ...podLabels,
            'statefulset.kubernetes.io/pod-name': name,
            ...(ordinal !== undefined ? { 'apps.kubernetes.io/pod-index': ordinal } : {}),
          },
          // As the StatefulSet controller sets it: the agent counts only pods its StatefulSet controls.
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: name.replace(/-\d+$/, ''), uid: 'statefulset', controller: true, blockOwnerDeletion: true }],
        },
        spec: { containers: [{ name: 'mysql', image: 'mysqlha/mysql' }, { name: 'agent', image: 'mysqlha/agent' }] },
        status: { phase: 'Running', podIP: '127.0.0.1', hostIP: '127.0.0.1' },
      });
    }
  }

  #nextVersion(): string {
    this.#revision += 1;
    return String(this.#revision);
  }

  getLease(name: string): KubeObject {
    const lease = this.leases.get(name);
    if (!lease) throw notFound(LEASES.resource, name, LEASES.group);
    return clone(lease);
  }

  createLease(body: KubeObject, by: string): KubeObject {
    const name = body?.metadata?.name;
    if (typeof name !== 'string' || name === '') throw invalid('Lease', '', 'metadata.name: Required value: name or generateName is required');
    this.#checkNamespace(body);
    if (body.metadata.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (this.leases.has(name)) throw alreadyExists(LEASES.resource, name, LEASES.group);
    const lease = {
      ...clone(body),
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...clone(body.metadata), namespace: this.namespace, uid: randomUUID(), creationTimestamp: timestamp(), resourceVersion: this.#nextVersion() },
    };
    this.leases.set(name, lease);
    this.#recordLease(lease, 'create', by);
    return clone(lease);
  }

  replaceLease(name: string, body: KubeObject, by: string): KubeObject {
    if (body?.metadata?.name !== name) throw badRequest(`the name of the object (${body?.metadata?.name}) does not match the name on the URL (${name})`);
    this.#checkNamespace(body);
    const current = this.leases.get(name);
    if (!current) throw notFound(LEASES.resource, name, LEASES.group);
    const expected = body.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict(LEASES.resource, name, LEASES.group);
    const lease = {
      ...clone(body),
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...clone(body.metadata),
        namespace: this.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: this.#nextVersion(),
      },
    };
    this.leases.set(name, lease);
    this.#recordLease(lease, 'update', by);
    return clone(lease);
  }

  getPod(name: string): KubeObject {
    const pod = this.pods.get(name);
    if (!pod) throw notFound('pods', name);
    return clone(pod);
  }

  listPods(labelSelector: string | undefined): KubeObject {
    const matches = labelSelector ? parseLabelSelector(labelSelector) : () => true;
    const items = [...this.pods.values()].filter((pod) => matches(pod.metadata.labels ?? {}));
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.#revision) }, items: clone(items) };
  }

  /** JSON merge patch of a pod; a resourceVersion in the patch is a precondition, as on the real server. */
  patchPod(name: string, patch: unknown, by: string): KubeObject {
    const current = this.pods.get(name);
    if (!current) throw notFound('pods', name);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw badRequest('the patch must be a JSON object');
    const expected = (patch as KubeObject).metadata?.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict('pods', name, '');
    const patched = mergePatch(current, patch) as KubeObject;
    for (const [key, value] of Object.entries(patched.metadata?.labels ?? {})) {
      if (typeof value !== 'string') throw invalid('Pod', name, `metadata.labels: Invalid value: ${JSON.stringify(value)} for ${key}: must be a string`);
    }
    patched.metadata = { ...patched.metadata, name, namespace: this.namespace, uid: current.metadata.uid, resourceVersion: this.#nextVersion() };
    this.pods.set(name, patched);
    const before = JSON.stringify(current.metadata.labels ?? {});
    const labels: Record<string, string> = patched.metadata.labels ?? {};
    if (JSON.stringify(labels) !== before) {
      this.timeline.labels.push({ time: now(), pod: name, role: labels[ROLE_LABEL], labels: { ...labels }, by });
    }
    return clone(patched);
  }

  createEvent(body: KubeObject, by: string): KubeObject {
    this.#checkNamespace(body);
    const name = body?.metadata?.name ?? (body?.metadata?.generateName ? `${body.metadata.generateName}${randomUUID().slice(0, 8)}` : undefined);
    if (!name) throw invalid('Event', '', 'metadata.name: Required value: name or generateName is required');
    if (!body.involvedObject) throw invalid('Event', name, 'involvedObject: Required value');
    const event: KubeObject = {
      ...clone(body),
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { ...clone(body.metadata), name, namespace: this.namespace, uid: randomUUID(), creationTimestamp: timestamp(), resourceVersion: this.#nextVersion() },
    };
    this.events.push(event);
    this.timeline.events.push({
      time: now(),
      by,
      type: event.type,
      reason: event.reason,
      message: event.message,
      involvedObject: event.involvedObject?.name,
      object: clone(event),
    });
    return clone(event);
  }

  #checkNamespace(body: KubeObject): void {
    const namespace = body?.metadata?.namespace;
    if (namespace && namespace !== this.namespace) {
      throw badRequest(`the namespace of the provided object (${namespace}) does not match the namespace sent on the request (${this.namespace})`);
    }
  }

  #recordLease(lease: KubeObject, op: 'create' | 'update', by: string): void {
    this.timeline.leases.push({
      time: now(),
      name: lease.metadata.name,
      holder: lease.spec?.holderIdentity || undefined,
      resourceVersion: lease.metadata.resourceVersion,
      op,
      by,
    });
  }
}
