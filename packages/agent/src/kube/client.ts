import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface LeaseRecord {
  /** Empty when nobody holds it (never taken, or released). */
  holder: string;
  /** Who held it last: the holder, or who released it. A released Lease keeps that name in an annotation. */
  lastHolder: string;
  resourceVersion: string;
  transitions: number;
}

/** A compare-and-swap lost to another writer (HTTP 409). */
export class LeaseConflict extends Error {
  constructor() {
    super('the Lease changed since it was read (409 Conflict)');
    this.name = 'LeaseConflict';
  }
}

/** An answer of the API server other than 2xx; `code` is the HTTP status. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const RELEASED_BY = 'mysqlha.io/released-by';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service account tokens rotate: read the file again after this long. */
const TOKEN_REREAD_MS = 60_000;

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

interface LeaseObject {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

function toRecord(lease: LeaseObject): LeaseRecord {
  const holder = lease.spec?.holderIdentity ?? '';
  return {
    holder,
    lastHolder: holder || (lease.metadata?.annotations?.[RELEASED_BY] ?? ''),
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}

/** MicroTime as the API server parses it (RFC 3339 with exactly six fractional digits). */
function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/**
 * The Kubernetes calls the agent makes, and nothing else (they match AGENT_RBAC_RULES). Plain REST over
 * node:http(s) with one keep-alive connection pool: the generated client loads every API model, which
 * more than doubled the agent's memory for six calls.
 */
export class Kube {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly tokenFile: string;
  private token = '';
  private tokenReadAt = -Infinity;

  constructor(private readonly o: KubeOptions) {
    if (o.kubeApiUrl) {
      this.base = new URL(o.kubeApiUrl);
      this.tokenFile = o.kubeTokenFile;
      this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true, rejectUnauthorized: false }) : new http.Agent({ keepAlive: true });
    } else {
      const host = process.env.KUBERNETES_SERVICE_HOST;
      const port = process.env.KUBERNETES_SERVICE_PORT;
      if (!host || !port) throw new Error('not running in a pod (KUBERNETES_SERVICE_HOST/PORT unset) and kubeApiUrl is empty: set kubeApiUrl');
      this.base = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
      this.tokenFile = `${SERVICE_ACCOUNT}/token`;
      this.agent = new https.Agent({ keepAlive: true, ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`) });
    }
  }

  private bearer(): string {
    if (!this.tokenFile) return '';
    if (performance.now() - this.tokenReadAt > TOKEN_REREAD_MS) {
      this.token = readFileSync(this.tokenFile, 'utf8').trim();
      this.tokenReadAt = performance.now();
    }
    return this.token;
  }

  private request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const token = this.bearer();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, signal: AbortSignal.timeout(this.o.timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new KubeApiError(code, `${method} ${url.pathname}: ${code} with a body that is not JSON`));
            }
            return;
          }
          let message = text.slice(0, 300);
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            // not a Status body: the raw text says what happened
          }
          reject(new KubeApiError(code, `${method} ${url.pathname}: ${code} ${message}`));
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  private leasePath(name = ''): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  private podsPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.o.namespace)}/pods`;
  }

  async getLease(): Promise<LeaseRecord | null> {
    try {
      return toRecord(await this.request<LeaseObject>('GET', this.leasePath(this.o.leaseName)));
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return null;
      throw err;
    }
  }

  private body(holder: string, prev: LeaseRecord | null, releasedBy?: string): object {
    const now = microTime(new Date());
    const changed = (prev?.holder ?? '') !== holder;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.leaseName,
        namespace: this.o.namespace,
        ...(prev ? { resourceVersion: prev.resourceVersion } : {}),
        annotations: releasedBy ? { [RELEASED_BY]: releasedBy } : {},
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
  async writeLease(prev: LeaseRecord | null, holder: string, releasedBy?: string): Promise<LeaseRecord> {
    const body = this.body(holder, prev, releasedBy);
    try {
      const out = prev
        ? await this.request<LeaseObject>('PUT', this.leasePath(this.o.leaseName), body)
        : await this.request<LeaseObject>('POST', this.leasePath(), body);
      return toRecord(out);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 409) throw new LeaseConflict();
      throw err;
    }
  }

  async labelRole(pod: string, role: 'leader' | 'follower'): Promise<void> {
    await this.request('PATCH', `${this.podsPath()}/${encodeURIComponent(pod)}`, { metadata: { labels: { role } } }, 'application/merge-patch+json');
  }

  async listPods(selector: string): Promise<string[]> {
    const list = await this.request<{ items?: { metadata?: { name?: string } }[] }>('GET', `${this.podsPath()}?labelSelector=${encodeURIComponent(selector)}`);
    return (list.items ?? []).map((p) => p.metadata?.name ?? '').filter((n) => n !== '');
  }

  async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    await this.request('POST', `/api/v1/namespaces/${encodeURIComponent(this.o.namespace)}/events`, {
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

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
