import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/** Where a pod's service account lives (token, CA of the API server, namespace). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet rotates projected tokens (and the CA bundle); re-read the files this often, as client libraries do. */
const REREAD_MS = 60_000;

/** A call the API server answered with an error status; `message` says the call and the server's words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiEndpoint {
  readonly url: string;
  /** Bearer token file; empty for none. */
  readonly tokenFile: string;
  /** CA to verify an https server with; undefined skips verification (only for a test server's own URL). */
  readonly caFile: string | undefined;
}

/** The API server as a pod sees it: the service's address from the environment, the service account's token and CA. */
export function inClusterEndpoint(env: NodeJS.ProcessEnv = process.env): ApiEndpoint {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset: not in a pod (set kubeApiUrl to reach an API server from outside one)');
  return { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, tokenFile: `${SERVICE_ACCOUNT_DIR}/token`, caFile: `${SERVICE_ACCOUNT_DIR}/ca.crt` };
}

/**
 * The few REST calls the agent makes, as JSON. Not @kubernetes/client-node: importing it loads a model class for
 * every Kubernetes kind (about 90 MiB of the agent's memory) for seven calls whose bodies the agent writes itself.
 * A connection per call, as that library made them: a kept-alive socket to an API server that stopped answering
 * (or that closed it idle) would cost a leader's renew a whole timeout, and a demotion.
 */
export class ApiClient {
  private readonly base: URL;
  private token = '';
  private ca: Buffer | undefined;
  private readAt = -Infinity;

  constructor(
    private readonly endpoint: ApiEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(endpoint.url);
  }

  /** The token and the CA, read again as the kubelet rotates them (projected token, the cluster's CA bundle). */
  private credentials(): { token: string; ca: Buffer | undefined } {
    if (Date.now() - this.readAt > REREAD_MS) {
      if (this.endpoint.tokenFile) this.token = readFileSync(this.endpoint.tokenFile, 'utf8').trim();
      if (this.endpoint.caFile) this.ca = readFileSync(this.endpoint.caFile);
      this.readAt = Date.now();
    }
    return { token: this.token, ca: this.ca };
  }

  /** One call; resolves to the decoded body of a 2xx answer, rejects with ApiError for any other status. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    // Kept under the server URL's own path (an API server behind a proxy prefix).
    const url = new URL(this.base.pathname.replace(/\/+$/, '') + path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { token, ca } = this.credentials();
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    if (payload !== undefined) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
    const https_ = url.protocol === 'https:';
    const tls: https.RequestOptions = https_ ? (ca ? { ca } : { rejectUnauthorized: false }) : {};
    const what = `${method} ${url.pathname}`;
    return new Promise<T>((resolve, reject) => {
      const req = (https_ ? https : http).request(url, { method, headers, agent: false, ...tls, signal: AbortSignal.timeout(this.timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 401) this.readAt = -Infinity;
          if (status >= 200 && status < 300) {
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch {
              reject(new Error(`${what}: the API server answered ${status} with a body that is not JSON`));
            }
            return;
          }
          let reason = text.trim().slice(0, 300);
          try {
            const s = JSON.parse(text) as { message?: string; reason?: string };
            reason = s.message ?? s.reason ?? reason;
          } catch {
            // not a Status object: keep the text
          }
          reject(new ApiError(status, `${what}: ${status} ${reason}`));
        });
      });
      req.on('error', (error) => reject(error.name === 'TimeoutError' || error.name === 'AbortError' ? new Error(`${what}: no answer within ${this.timeoutMs} ms`) : new Error(`${what}: ${error.message}`)));
      req.end(payload);
    });
  }
}

/** A MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits. */
export function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
