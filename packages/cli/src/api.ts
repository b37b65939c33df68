import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface ApiOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** A failure a user can act on: the message says what, where, and what was expected. */
export class CliError extends Error {}

export interface ApiResponse {
  readonly status: number;
  readonly text: string;
}

/**
 * The Kubernetes API as kubectl reaches it: the kubeconfig's cluster, credentials and CA (KUBECONFIG,
 * ~/.kube/config, or the in-cluster service account), requests by path.
 */
export class Api {
  private constructor(
    private readonly kc: KubeConfig,
    readonly server: string,
  ) {}

  static load(options: ApiOptions): Api {
    const kc = new KubeConfig();
    try {
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
      else kc.loadFromDefault();
    } catch (error) {
      throw new CliError(`cannot read the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(error as Error).message}`);
    }
    if (options.context) {
      if (!kc.getContextObject(options.context)) throw new CliError(`no context "${options.context}" in the kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
      kc.setCurrentContext(options.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new CliError('the kubeconfig names no current cluster: pass --kubeconfig FILE or --context NAME');
    // With no kubeconfig anywhere, the library falls back to an unauthenticated http://localhost:8080.
    if (!options.kubeconfig && !process.env.KUBECONFIG && kc.getCurrentContext() === 'loaded-context' && cluster.server === 'http://localhost:8080') {
      throw new CliError('no kubeconfig: none in KUBECONFIG or ~/.kube/config, and not in a pod; pass --kubeconfig FILE');
    }
    return new Api(kc, cluster.server.replace(/\/+$/, ''));
  }

  /** The namespace the kubeconfig's current context names, as kubectl defaults to it. */
  contextNamespace(): string | undefined {
    return this.kc.getContextObject(this.kc.getCurrentContext())?.namespace || undefined;
  }

  async request(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<ApiResponse> {
    const url = new URL(this.server + path);
    const options: https.RequestOptions = { method, headers: { Accept: 'application/json', ...headers } };
    await this.kc.applyToHTTPSOptions(options).catch((error: Error) => {
      throw new CliError(`cannot use the kubeconfig's credentials for ${this.server}: ${error.message}`);
    });
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { ...options, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (error) =>
        reject(
          new CliError(
            error.name === 'TimeoutError' || error.name === 'AbortError'
              ? `no answer from the Kubernetes API at ${this.server} within ${timeoutMs / 1000} s (${method} ${url.pathname})`
              : `cannot reach the Kubernetes API at ${this.server}: ${error.message}`,
          ),
        ),
      );
      req.end();
    });
  }

  /** GET of an object or list; undefined for 404; any other failure says what was refused and why. */
  async get<T>(path: string, what: string): Promise<T | undefined> {
    const res = await this.request('GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new CliError(`the API refused to ${what}: ${res.status} ${statusMessage(res.text)}`);
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new CliError(`the API answered ${what} with something that is not JSON (is ${this.server} a Kubernetes API server?)`);
    }
  }
}

/** The message of a Kubernetes Status body, or the body itself. */
export function statusMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; reason?: string };
    return body.message ?? body.reason ?? text.trim();
  } catch {
    return text.trim();
  }
}
