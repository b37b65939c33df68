import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuPercent, rssKiB, summarize } from '../src/index.js';

describe('bench measurements', () => {
  it('summarize gives nearest-rank p50, p99 and max', () => {
    expect(summarize([])).toBeUndefined();
    expect(summarize([5, 1, 3])).toEqual({ n: 3, p50: 3, p99: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(hundred)).toEqual({ n: 100, p50: 50, p99: 99, max: 100 });
  });

  it('tells a busy process from an idle one by CPU, and reads RSS', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}']);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [busyCpu, idleCpu] = await cpuPercent([busy.pid!, idle.pid!], 1_000);
      expect(busyCpu).toBeGreaterThan(idleCpu! + 20);
      expect(rssKiB(idle.pid!)).toBeGreaterThan(1_000);
    } finally {
      for (const child of [busy, idle]) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
