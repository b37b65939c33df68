import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterNames, defaultClusterSpec, ROLE_LABEL, selectorLabels } from '@mysqlha/config';
import { trackCloser, trackTempDir } from '../process/registry.js';
import { checkPortRange } from '../util/ports.js';
import { waitFor } from '../util/wait.js';
import { ApiFailure, badRequest, statusBody } from './status.js';
import { ApiStore } from './store.js';
import { Timeline } from './timeline.js';

export interface FakeKubeOptions {
  port: number;
  namespace: string;
  /** Pods that exist from the start, e.g. mysql-0..2 (their ordinal suffix becomes apps.kubernetes.io/pod-index). */
  pods: string[];
  /** Labels every pod carries; default the selector labels of the default ClusterSpec. */
  podLabels?: Record<string, string>;
  /** The Lease the leader-finding helpers look at; default `mysql-leader`. */
  leaseName?: string;
}

/** drop: the caller's connections are reset; hang: its requests are never answered. */
export type PartitionMode = 'drop' | 'hang';

const UNAUTHORIZED = { code: 401, reason: 'Unauthorized', message: 'Unauthorized' };

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`the request body is not JSON: ${text.slice(0, 80)}`);
  }
}

/**
 * An in-process stand-in for the Kubernetes API server, serving exactly the endpoints the agent calls (Leases
 * get/create/update, pods get/list/merge-patch, events create, and the Secret `mysqlha` reads) with the real semantics for conflicts and
 * missing objects. Callers are told apart by their bearer token, which is their pod name, so a test can cut
 * one pod off the API and see what every pod did, when.
 */
export class FakeKube {
  readonly timeline = new Timeline();
  readonly store: ApiStore;
  readonly url: string;
  readonly leaseName: string;
  readonly #server: Server;
  readonly #tokenDir: string;
  /** Requests received per caller (partitioned ones included), e.g. to measure the load agents put on the API. */
  readonly requestCounts = new Map<string, number>();
  readonly #partitions = new Map<string, PartitionMode>();
  readonly #hung = new Map<string, Set<IncomingMessage>>();
  #untrack: () => void = () => {};

  constructor(readonly port: number, readonly namespace: string, pods: string[], podLabels: Record<string, string>, leaseName: string) {
    this.store = new ApiStore(namespace, this.timeline, pods, podLabels);
    this.url = `http://127.0.0.1:${port}`;
    this.leaseName = leaseName;
    this.#tokenDir = mkdtempSync(join(tmpdir(), 'mysqlha-kube-'));
    trackTempDir(this.#tokenDir);
    for (const pod of pods) writeFileSync(this.tokenFile(pod), pod, { mode: 0o600 });
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(): Promise<void> {
    this.#server.listen(this.port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#untrack = trackCloser(() => this.close());
  }

  /** A 0600 file holding the bearer token that identifies `pod` (its name). */
  tokenFile(pod: string): string {
    return join(this.#tokenDir, `${pod}.token`);
  }

  partition(pod: string, mode: PartitionMode): void {
    this.#partitions.set(pod, mode);
  }

  /** Ends a partition; requests left hanging are reset, as a dead connection would be. */
  heal(pod: string): void {
    this.#partitions.delete(pod);
    for (const req of this.#hung.get(pod) ?? []) req.socket.destroy();
    this.#hung.delete(pod);
  }

  lease(name = this.leaseName): Record<string, any> | undefined {
    return this.store.leases.get(name);
  }

  leaseHolder(name = this.leaseName): string | undefined {
    return this.lease(name)?.spec?.holderIdentity || undefined;
  }

  pod(name: string): Record<string, any> {
    return this.store.getPod(name);
  }

  podsWithRole(role: string): string[] {
    return [...this.store.pods.values()].filter((pod) => pod.metadata.labels?.[ROLE_LABEL] === role).map((pod) => pod.metadata.name as string);
  }

  /** The one pod labelled leader (ROLE_LABEL), or undefined when there is none or more than one. */
  leader(): string | undefined {
    const leaders = this.podsWithRole('leader');
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Waits until exactly one pod is labelled leader (and it is not `not`), and returns its name. */
  waitForLeader(options: { timeoutMs?: number; not?: string } = {}): Promise<string> {
    return waitFor(
      `one pod labelled ${ROLE_LABEL}=leader${options.not ? ` other than ${options.not}` : ''} (now: ${this.podsWithRole('leader').join(', ') || 'none'})`,
      () => {
        const leader = this.leader();
        return leader !== undefined && leader !== options.not ? leader : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 20 },
    );
  }

  /** Waits until someone other than `not` takes the Lease after `after` (a now() time), and returns the holder. */
  waitForNewHolder(options: { after: number; not?: string; timeoutMs?: number }): Promise<string> {
    return waitFor(
      `a new Lease holder${options.not ? ` other than ${options.not}` : ''}`,
      () => this.timeline.leases.find((l) => l.time > options.after && l.holder !== undefined && l.holder !== '' && l.holder !== options.not)?.holder,
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 5 },
    );
  }

  /** Deletes the Lease, as `kubectl delete lease` by an operator would. */
  deleteLease(name = this.leaseName): void {
    this.store.leases.delete(name);
  }

  /** Rewrites the Lease as a hand edit would (a new resourceVersion, no agent involved). */
  editLease(edit: (lease: Record<string, any>) => void, name = this.leaseName): void {
    const lease = structuredClone(this.store.getLease(name));
    edit(lease);
    this.store.replaceLease(name, lease, 'kubectl');
  }

  /** Declares the port of `pod`'s agent container, named `agent` as in the StatefulSet, where tools look for it. */
  setAgentPort(pod: string, port: number): void {
    const spec = this.store.pods.get(pod)?.spec;
    if (!spec) throw new Error(`setAgentPort: no pod ${pod}`);
    spec.containers = spec.containers.map((c: { name: string }) => (c.name === 'agent' ? { ...c, ports: [{ name: 'agent', containerPort: port, protocol: 'TCP' }] } : c));
  }

  /** A Secret (values as plain strings), readable by GET as from the API; the agents never read one this way. */
  setSecret(name: string, data: Record<string, string>): void {
    this.store.secrets.set(name, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: this.namespace },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  }

  /** Merges labels into a pod as an operator would (null removes one); recorded as done by `by`. */
  setPodLabels(pod: string, labels: Record<string, string | null>, by = 'test'): void {
    this.store.patchPod(pod, { metadata: { labels } }, by);
  }

  async close(): Promise<void> {
    this.#untrack();
    for (const pod of [...this.#hung.keys()]) this.heal(pod);
    if (!this.#server.listening) return;
    const closed = once(this.#server, 'close');
    this.#server.close();
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!caller) return send(res, 401, statusBody(UNAUTHORIZED));
    this.requestCounts.set(caller, (this.requestCounts.get(caller) ?? 0) + 1);
    const partition = this.#partitions.get(caller);
    if (partition === 'drop') {
      req.socket.destroy();
      return;
    }
    if (partition === 'hang') {
      const hung = this.#hung.get(caller) ?? new Set();
      hung.add(req);
      this.#hung.set(caller, hung);
      return;
    }
    try {
      const [code, body] = await this.#route(req, caller);
      send(res, code, body);
    } catch (error) {
      if (error instanceof ApiFailure) send(res, error.error.code, statusBody(error.error));
      else send(res, 500, statusBody({ code: 500, reason: 'InternalError', message: String(error) }));
    }
  }

  async #route(req: IncomingMessage, caller: string): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const route =
      /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/(leases)(?:\/([^/]+))?$/.exec(url.pathname) ??
      /^\/api\/v1\/namespaces\/([^/]+)\/(pods|events|secrets)(?:\/([^/]+))?$/.exec(url.pathname);
    const unhandled = (): [number, unknown] => {
      this.timeline.unhandled.push(`${method} ${url.pathname}${url.search}`);
      return [404, statusBody({ code: 404, reason: 'NotFound', message: `the server could not find the requested resource (${method} ${url.pathname})` })];
    };
    if (!route) return unhandled();
    const [, namespace, resource, name] = route as unknown as [string, string, string, string | undefined];
    if (namespace !== this.namespace) {
      return [404, statusBody({ code: 404, reason: 'NotFound', message: `namespaces "${namespace}" not found`, details: { name: namespace, kind: 'namespaces' } })];
    }
    const key = `${method} ${resource}${name === undefined ? '' : '/NAME'}`;
    switch (key) {
      case 'GET leases/NAME':
        return [200, this.store.getLease(name!)];
      case 'POST leases':
        return [201, this.store.createLease(await readJson(req), caller)];
      case 'PUT leases/NAME':
        return [200, this.store.replaceLease(name!, await readJson(req), caller)];
      case 'GET pods/NAME':
        return [200, this.store.getPod(name!)];
      case 'GET pods':
        return [200, this.store.listPods(url.searchParams.get('labelSelector') ?? undefined)];
      case 'PATCH pods/NAME': {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (type !== 'application/merge-patch+json') {
          await readJson(req).catch(() => undefined);
          return [415, statusBody({ code: 415, reason: 'UnsupportedMediaType', message: `the fake API serves pod patches as application/merge-patch+json only, got ${type || 'no Content-Type'}` })];
        }
        return [200, this.store.patchPod(name!, await readJson(req), caller)];
      }
      case 'GET secrets/NAME': {
        const secret = this.store.secrets.get(name!);
        if (!secret) return [404, statusBody({ code: 404, reason: 'NotFound', message: `secrets "${name}" not found`, details: { name, kind: 'secrets' } })];
        return [200, secret];
      }
      case 'POST events':
        return [201, this.store.createEvent(await readJson(req), caller)];
      default:
        return unhandled();
    }
  }
}

/** Starts the fake API server on 127.0.0.1:port; stopAll (or close()) shuts it down. */
export async function startFakeKube(options: FakeKubeOptions): Promise<FakeKube> {
  checkPortRange('startFakeKube', options.port, 1);
  const spec = defaultClusterSpec();
  const kube = new FakeKube(
    options.port,
    options.namespace,
    options.pods,
    options.podLabels ?? selectorLabels(spec),
    options.leaseName ?? clusterNames(spec).lease,
  );
  await kube.listen();
  return kube;
}
