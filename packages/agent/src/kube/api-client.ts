import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/** Where a pod's service account lives (token, CA of the API server, namespace). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet rotates projected tokens; re-read the file this often, as client libraries do. */
const TOKEN_REREAD_MS = 60_000;

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
 * The few REST calls the agent makes, as JSON over one kept-alive connection pool. Not @kubernetes/client-node:
 * importing it loads a model class for every Kubernetes kind (about 90 MiB of the agent's memory) for seven
 * calls whose bodies the agent writes itself.
 */
export class ApiClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private token = '';
  private tokenReadAt = -Infinity;

  constructor(
    private readonly endpoint: ApiEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(endpoint.url);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(endpoint.caFile ? { ca: readFileSync(endpoint.caFile) } : { rejectUnauthorized: false }) })
        : new http.Agent({ keepAlive: true });
  }

  private bearer(): string {
    if (!this.endpoint.tokenFile) return '';
    if (Date.now() - this.tokenReadAt > TOKEN_REREAD_MS) {
      this.token = readFileSync(this.endpoint.tokenFile, 'utf8').trim();
      this.tokenReadAt = Date.now();
    }
    return this.token;
  }

  /** One call; resolves to the decoded body of a 2xx answer, rejects with ApiError for any other status. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const token = this.bearer();
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    if (payload !== undefined) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
    const transport = url.protocol === 'https:' ? https : http;
    const what = `${method} ${url.pathname}`;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent, signal: AbortSignal.timeout(this.timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 401) this.tokenReadAt = -Infinity;
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

  close(): void {
    this.agent.destroy();
  }
}

/** A MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits. */
export function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
