export interface CloneProgress {
  state: 'idle' | 'streaming' | 'preparing' | 'done' | 'failed';
  donor?: string;
  attempt: number;
  bytes: number;
  /** Size the donor announced, when it did. */
  expectedBytes?: number;
  /** Average since the stream started, in MB/s (10^6 bytes). */
  mbPerSecond?: number;
  etaSeconds?: number;
  error?: string;
}

export function describeProgress(p: CloneProgress): string {
  const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
  const parts = [`${mib(p.bytes)}${p.expectedBytes ? ` of ~${mib(p.expectedBytes)}` : ''} from ${p.donor}`];
  if (p.mbPerSecond !== undefined) parts.push(`${p.mbPerSecond.toFixed(1)} MB/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${Math.ceil(p.etaSeconds)} s`);
  return parts.join(', ');
}
