import { trackCloser } from '../process/registry.js';

/**
 * A checker that runs a loop in the background from start() until stop(), and is stopped by stopAll when a
 * test forgets to. Subclasses loop while `running` and release what they hold in `cleanup()`.
 */
export abstract class BackgroundLoop {
  #running = false;
  #loop: Promise<void> | undefined;
  #untrack: () => void = () => {};

  protected get running(): boolean {
    return this.#running;
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#untrack = trackCloser(() => this.stop());
    this.#loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#untrack();
    await this.#loop;
    this.cleanup();
  }

  protected abstract run(): Promise<void>;
  protected abstract cleanup(): void;
}
