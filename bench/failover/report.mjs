// Summaries of the failover runs: the console table and the block --record appends to bench/README.md.
import { summarize } from '@mysqlha/testkit';

const fmt = (s) => (s ? `${s.p50} / ${s.p99} / ${s.max}` : 'n/a');

export function summarizeScenario(results) {
  const ok = results.filter((r) => !r.error);
  return {
    runs: results.length,
    failed: results.length - ok.length,
    failoverMs: summarize(ok.map((r) => r.failoverMs)),
    lostAckedWrites: ok.reduce((sum, r) => sum + r.lostAckedWrites, 0),
    dualWritableMs: summarize(ok.map((r) => r.dualWritableMs)),
    dualLeaderLabelMs: summarize(ok.map((r) => r.dualLeaderLabelMs)),
    ...(ok.some((r) => r.writeGapMs !== undefined) ? { writeGapMs: summarize(ok.map((r) => r.writeGapMs)) } : {}),
    ...(ok.some((r) => r.commandMs !== undefined) ? { commandMs: summarize(ok.map((r) => r.commandMs)) } : {}),
    errors: results.filter((r) => r.error).map((r) => r.error),
  };
}

export function table(doc) {
  const rows = Object.entries(doc.scenarios).map(
    ([name, s]) =>
      `| ${name} | ${s.runs - s.failed}/${s.runs} | ${fmt(s.failoverMs)} | ${s.writeGapMs ? fmt(s.writeGapMs) : '-'} | ${s.lostAckedWrites} | ${s.dualWritableMs?.max ?? 'n/a'} | ${s.dualLeaderLabelMs?.max ?? 'n/a'} |`,
  );
  const agents = doc.agents;
  return [
    '| scenario | ok | fault -> first acked write on the new leader, ms (p50 / p99 / max) | longest write gap, ms (p50 / p99 / max) | lost acked writes | max dual-writable ms | max two-leader-label ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...Object.entries(doc.scenarios)
      .filter(([, s]) => s.commandMs)
      .map(([name, s]) => `${name}: the fault is launching \`agent switchover --to\` (a new Node process); it returned after ${fmt(s.commandMs)} ms (p50 / p99 / max). The write gap is what clients saw.`),
    `Agents: idle CPU ${agents.idleCpuPercent.map((v) => v.toFixed(2)).join(' / ')} % of a core (over ${agents.idleWindowSeconds} s, write load stopped); ` +
      `RSS idle ${agents.idleRssMiB.join(' / ')} MiB, after the runs ${agents.endRssMiB.join(' / ')} MiB; ` +
      `Kubernetes API requests ${agents.idleApiRequestsPerSecond.join(' / ')} per second each.`,
    `Writes: ${doc.writes.acked} acknowledged, ${doc.writes.errors} failed attempts. Convergence after each run: ${doc.converged.filter((c) => c.ok).length}/${doc.converged.length}.`,
    ...doc.converged.filter((c) => !c.ok).map((c) => `- run ${c.run}: ${c.message}`),
    ...Object.entries(doc.scenarios).flatMap(([name, s]) => s.errors.map((e) => `- ${name} failed: ${e}`)),
  ].join('\n');
}

export function recordBlock(doc) {
  return `\n### failover, ${doc.date}\n\nMachine: ${doc.machine}; load average (1, 5, 15 min) ${doc.loadAverage.start.join(' ')} at the start, ${doc.loadAverage.end.join(' ')} at the end. ${doc.runs} runs of each scenario, 3 servers and 3 agents on one host, TLS ${doc.tls ?? 'off'}, agent settings ${JSON.stringify(doc.agentSettings)}; write load through the leader label with a ${doc.writeTimeoutMs} ms timeout.\n\n${table(doc)}\n`;
}
