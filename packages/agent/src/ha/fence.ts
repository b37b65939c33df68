/**
 * Invariant (docs/ha.md, "The fence"): once this pod may have lost the Lease, its server is read-only before
 * anyone else can take the Lease, and this pod never lets the Lease go while it cannot confirm that.
 *
 * - The fence has a database session of its own that nothing else uses: no ping, no peer's wait, no
 *   observation can queue in front of `SET GLOBAL read_only = ON`.
 * - One fence at a time: callers that ask while one runs share it, so the loop and the deadline watchdog never
 *   race on the server.
 * - It is confirmed, not assumed: done means `@@global.read_only` reads back 1. Until then it retries.
 * - Semi-sync's source side goes off last, after every client session is killed: a fenced server waits for no
 *   acknowledgement, and no commit waiting for one is released to its client as if acknowledged.
 * - The dead-man switch inside mariadbd (db/deadman.ts) covers the agent itself being frozen or gone.
 */
import { performance } from 'node:perf_hooks';
import { killClientSessions } from '../db/ops.js';
import { Session, type MysqlTarget } from '../db/mysql.js';

const RETRY_EVERY_MS = 100;

export class Fence {
  private readonly session: Session;
  private running: Promise<void> | null = null;
  /** Fencing and becoming writable never interleave: whichever runs second decides the server's state. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(target: () => MysqlTarget, timeoutMs: number) {
    this.session = new Session(target, timeoutMs);
  }

  /**
   * read_only on and confirmed, then every client session killed except `spare()` (the agent's own), retrying
   * every 100 ms; rejects with the last error once `withinMs` has passed without a confirmation.
   */
  fence(spare: () => number[], withinMs: number): Promise<void> {
    this.running ??= this.attempt(spare, performance.now() + withinMs).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async attempt(spare: () => number[], until: number): Promise<void> {
    for (;;) {
      try {
        await this.once(spare());
        return;
      } catch (err) {
        if (performance.now() + RETRY_EVERY_MS > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
      }
    }
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `makeWritable` (which re-checks whether it still may) while no fence is running: a fence asked for
   * meanwhile waits for it and then turns the server read-only again.
   */
  unfenced(makeWritable: () => Promise<boolean>): Promise<boolean> {
    return this.withLock(makeWritable);
  }

  private once(spare: number[]): Promise<void> {
    return this.withLock(() => this.fenceNow(spare));
  }

  private async fenceNow(spare: number[]): Promise<void> {
    // A statement in flight holds read_only back at most a second; then its session is killed and we retry.
    await this.session.query('SET SESSION lock_wait_timeout = 1');
    try {
      await this.session.query('SET GLOBAL read_only = ON');
    } catch {
      await killClientSessions(this.session, spare);
      await this.session.query('SET GLOBAL read_only = ON');
    }
    const [row] = await this.session.query<{ ro: number | string }[]>('SELECT @@global.read_only AS ro');
    if (Number(row?.ro) !== 1) throw new Error('read_only did not stay on');
    await killClientSessions(this.session, spare);
    // Only now, with every client session gone: a commit still waiting for its acknowledgement must not be
    // released (and reported committed) by switching semi-sync off under it. A fenced server waits for nobody.
    await this.session.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
  }

  close(): void {
    this.session.close();
  }
}
