import { request } from 'node:http';
import { tcpConnect } from '../util/port-free.js';
import type { Container, Probe } from './pod-types.js';

/** One probe attempt: exec in the container, an HTTP GET or a TCP connect to the pod IP; true on success. */
export type ProbeAttempt = (probe: Probe, timeoutMs: number) => Promise<boolean>;

export function portNumber(container: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`test node: container ${container.name} names port ${port}, which it does not declare`);
  return found.containerPort;
}

export function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'kube-probe/1.35' } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A tcpSocket probe: the port accepts a connection within the timeout. */
export async function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return (await tcpConnect(host, port, timeoutMs)) === 'open';
}

/**
 * A probe run as the kubelet runs it: after initialDelaySeconds, every periodSeconds, each attempt limited to
 * timeoutSeconds; the result flips after failureThreshold failures in a row or successThreshold successes.
 * `onChange` hears every flip from `initial` on, and failureThreshold failures in a row even without a flip.
 */
export class ProbeRunner {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #ok: boolean;
  #failures = 0;
  #successes = 0;

  constructor(
    private readonly probe: Probe,
    private readonly attempt: ProbeAttempt,
    private readonly onChange: (ok: boolean) => void,
    initial: boolean,
  ) {
    this.#ok = initial;
  }

  start(): void {
    this.#schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#run(), ms);
  }

  async #run(): Promise<void> {
    const timeoutMs = (this.probe.timeoutSeconds ?? 1) * 1000;
    const passed = await this.attempt(this.probe, timeoutMs).catch(() => false);
    if (this.#stopped) return;
    if (passed) {
      this.#failures = 0;
      this.#successes += 1;
      if (!this.#ok && this.#successes >= (this.probe.successThreshold ?? 1)) this.#flip(true);
    } else {
      this.#successes = 0;
      this.#failures += 1;
      // Reported at the threshold even when already failing: a startup probe that never passed kills then.
      if (this.#failures === (this.probe.failureThreshold ?? 3)) this.#flip(false);
    }
    this.#schedule((this.probe.periodSeconds ?? 10) * 1000);
  }

  #flip(ok: boolean): void {
    this.#ok = ok;
    this.onChange(ok);
  }
}
