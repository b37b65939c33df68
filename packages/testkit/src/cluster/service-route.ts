import type mysql from 'mysql2/promise';
import { BackgroundLoop } from '../check/background-loop.js';
import type { WriteRoute } from '../check/write-load.js';
import { sleep } from '../util/wait.js';

/** A Service's ready endpoints now, as the EndpointSlice controller published them. */
export type EndpointsOf = () => Promise<{ pod: string; ip: string }[]>;

/**
 * Routing through a Service as kube-proxy does it: the Service's ready endpoints, read from its EndpointSlices
 * every `intervalMs` (kube-proxy watches them), and each new connection sent to one of them (at random when
 * there are several). Nothing here asks the harness or the agents which pod leads.
 */
export class ServiceRoute extends BackgroundLoop implements WriteRoute {
  #endpoints: { pod: string; ip: string }[] = [];
  /** Times the Service had more than one ready endpoint. */
  multiple = 0;

  constructor(
    private readonly endpoints: EndpointsOf,
    private readonly open: (ip: string, timeoutMs: number) => Promise<mysql.Connection>,
    readonly table: string,
    private readonly intervalMs = 50,
  ) {
    super();
  }

  /** Reads the endpoints once before routing anything. */
  async ready(): Promise<this> {
    this.#endpoints = await this.endpoints();
    this.start();
    return this;
  }

  target(): string | undefined {
    const all = this.#endpoints;
    return all.length === 0 ? undefined : all[Math.floor(Math.random() * all.length)]!.pod;
  }

  connect(pod: string, timeoutMs: number): Promise<mysql.Connection> {
    const endpoint = this.#endpoints.find((e) => e.pod === pod);
    if (!endpoint) return Promise.reject(new Error(`${pod} is no longer an endpoint of the Service`));
    return this.open(endpoint.ip, timeoutMs);
  }

  protected override async run(): Promise<void> {
    while (this.running) {
      try {
        this.#endpoints = await this.endpoints();
        if (this.#endpoints.length > 1) this.multiple += 1;
      } catch {
        // the API did not answer: keep routing to what was read last, as kube-proxy does
      }
      await sleep(this.intervalMs);
    }
  }

  protected override cleanup(): void {}
}
