import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';

export interface Credentials {
  readonly server: string;
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly token?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** The API server's `Warning:` headers: deprecations, Pod Security warnings, unknown-field notices. */
  readonly warnings: readonly string[];
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/** A Status object's message and causes, as the API server reports a refusal. */
export interface StatusCause {
  readonly field?: string;
  readonly message?: string;
  readonly reason?: string;
}

function warningText(header: string): string {
  // RFC 7234 form: 299 - "text"
  const match = /^\d{3} \S+ "(.*)"$/.exec(header.trim());
  return (match?.[1] ?? header).replace(/\\"/g, '"');
}

/** A small JSON client for one API server over TLS with client certificates or a bearer token. */
export class KubeApi {
  readonly server: string;
  private readonly agent: Agent;
  private readonly token: string | undefined;

  constructor(credentials: Credentials) {
    this.server = credentials.server.replace(/\/$/, '');
    this.token = credentials.token;
    this.agent = new Agent({
      keepAlive: true,
      ca: readFileSync(credentials.caFile),
      ...(credentials.certFile ? { cert: readFileSync(credentials.certFile) } : {}),
      ...(credentials.keyFile ? { key: readFileSync(credentials.keyFile) } : {}),
    });
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${this.server}${path}`,
        {
          method,
          agent: this.agent,
          timeout: options.timeoutMs ?? 30_000,
          headers: {
            accept: 'application/json',
            // Content-Length always: Node frames no body of a DELETE otherwise, and the API server would read it as
            // the next request on the connection.
            ...(payload === undefined ? {} : { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let body: unknown = text;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              // Not JSON: keep the text (readyz answers "ok").
            }
            const raw = res.headers.warning;
            const warnings = (Array.isArray(raw) ? raw : raw ? raw.split(/,(?=\s*\d{3} )/) : []).map(warningText);
            resolve({ status: res.statusCode ?? 0, body, warnings });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${this.server} in ${options.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but a status >= 300 is an error carrying the API server's own message. */
  async expect(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const response = await this.request(method, path, options);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${statusMessage(response.body)}`);
    return response;
  }

  close(): void {
    this.agent.destroy();
  }
}

export function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.trim() : JSON.stringify(body);
}

export function statusCauses(body: unknown): StatusCause[] {
  const details = (body as { details?: { causes?: StatusCause[] } } | undefined)?.details;
  return Array.isArray(details?.causes) ? details.causes : [];
}
