/** The timers of a node or a pod on it, every one cancelled at once when it stops. */
export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();
  #stopped = false;

  /** Runs `fn` every `ms`, each run `ms` after the previous one ended (runs never overlap), until stop(). */
  every(ms: number, fn: () => Promise<unknown>): void {
    this.#after(ms, () => void fn().finally(() => !this.#stopped && this.every(ms, fn)));
  }

  /** Resolves after `ms`; never, once stopped (whatever awaits it stops with its owner). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#after(ms, resolve));
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }

  #after(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#pending.delete(t);
      fn();
    }, ms);
    this.#pending.add(t);
  }
}
