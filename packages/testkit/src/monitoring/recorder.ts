import { parseExposition } from './exposition.js';

/** What Prometheus would scrape: a URL and the labels its service discovery gives the target. */
export interface ScrapeTarget {
  readonly url: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface Series {
  readonly labels: Record<string, string>;
  readonly values: (number | undefined)[];
}

/** promtool's notation for one series: `name{labels}` and its values, one per round. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** A series in promtool's (and PromQL's) notation, `name{label="value",...}`, from its labels and `__name__`. */
export function seriesName(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${name}{${inner}}`;
}

/**
 * Scrapes targets in rounds, one every `intervalMs` from the start, as Prometheus does: each target's samples
 * carry its labels, `up` says whether the scrape answered, and a target that stops answering has its series
 * marked stale in the next round. The rounds become promtool input series, round i at i × interval.
 */
export class MetricsRecorder {
  private readonly series = new Map<string, Series>();
  private rounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private startedAt = 0;

  constructor(
    private readonly targets: readonly ScrapeTarget[],
    readonly intervalMs = 1000,
  ) {}

  start(): this {
    this.startedAt = Date.now();
    const tick = () => {
      this.running = this.round().finally(() => {
        if (this.timer === undefined) return;
        const next = this.startedAt + this.rounds * this.intervalMs;
        this.timer = setTimeout(tick, Math.max(0, next - Date.now()));
      });
    };
    this.timer = setTimeout(tick, 0);
    return this;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The round the next scrape fills: the promtool time (in intervals) of what happens now. */
  get nextRound(): number {
    return this.rounds;
  }

  private record(labels: Record<string, string>, round: number, value: number): void {
    const key = seriesName(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, values: [] }));
    s.values[round] = value;
  }

  private async round(): Promise<void> {
    const round = this.rounds;
    await Promise.all(
      this.targets.map(async (target) => {
        let text: string | undefined;
        try {
          const res = await fetch(target.url, { signal: AbortSignal.timeout(Math.max(200, this.intervalMs - 200)) });
          if (res.ok) text = await res.text();
        } catch {
          text = undefined;
        }
        this.record({ __name__: 'up', ...target.labels }, round, text === undefined ? 0 : 1);
        for (const sample of parseExposition(text ?? '')) this.record({ ...sample.labels, __name__: sample.name, ...target.labels }, round, sample.value);
      }),
    );
    this.rounds = round + 1;
  }

  /** The recorded series of these metric names, in promtool's notation: `stale` where a series ends, `_` where it is absent. */
  inputSeries(names: ReadonlySet<string>): InputSeries[] {
    const out: InputSeries[] = [];
    for (const [key, s] of this.series) {
      if (!names.has(s.labels.__name__!)) continue;
      const values: string[] = [];
      for (let i = 0; i < this.rounds; i++) {
        const v = s.values[i];
        if (v !== undefined) values.push(String(v));
        else values.push(i > 0 && s.values[i - 1] !== undefined ? 'stale' : '_');
      }
      out.push({ series: key, values: values.join(' ') });
    }
    return out;
  }
}
