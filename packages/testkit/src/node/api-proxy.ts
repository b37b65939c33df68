import { createServer, connect, type Server, type Socket } from 'node:net';

/** pass: traffic flows; drop: every connection is reset and new ones refused; hang: bytes are held, never forwarded. */
export type ApiPathMode = 'pass' | 'drop' | 'hang';

/**
 * One pod's path to the API server: a TCP proxy on the `kubernetes` Service address that the pod's containers
 * are pointed at (KUBERNETES_SERVICE_HOST/PORT), forwarding to the API server on loopback. TLS passes through
 * untouched, so the pod verifies the API server's own certificate. A test partitions the pod from the API by
 * switching its mode.
 */
export class ApiPath {
  #mode: ApiPathMode = 'pass';
  /** Connections accepted: the agent opens one per API request, so this counts its requests. */
  connections = 0;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(host: string, port: number, target: { host: string; port: number }): Promise<ApiPath> {
    const path = new ApiPath(host, port, target);
    await new Promise<void>((resolve, reject) => {
      path.#server.once('error', reject);
      path.#server.listen(port, host, () => resolve());
    });
    return path;
  }

  get mode(): ApiPathMode {
    return this.#mode;
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  #accept(client: Socket): void {
    this.connections += 1;
    if (this.#mode === 'drop') return void client.resetAndDestroy();
    this.#track(client);
    if (this.#mode === 'hang') return void client.pause();
    const upstream = connect(this.target.port, this.target.host);
    this.#track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /**
   * drop resets what is open and refuses what comes; hang accepts but moves no byte, on what is open too (unlike a
   * black-holed route, a new connection completes its handshake: the caller's request timeout is what it meets);
   * pass after hang resets the held connections, so nothing held is delivered late.
   */
  set(mode: ApiPathMode): void {
    const wasHanging = this.#mode === 'hang';
    this.#mode = mode;
    for (const s of this.#sockets) {
      if (mode === 'drop' || (mode === 'pass' && wasHanging)) s.resetAndDestroy();
      if (mode === 'hang') {
        s.unpipe();
        s.pause();
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
