#!/usr/bin/env zx
// How long a warm control plane takes to start, and what it holds in memory: etcd + kube-apiserver alone (the
// validation gate's), and with kube-controller-manager and kube-scheduler (the fault tests').
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { startControlPlane } from '@mysqlha/kube-tools';

const usage = `Usage: npm run bench:control-plane -- [--runs N] [--json] [--record]

Starts the pinned control plane N times (default 5) in each shape, from an empty etcd each time, and prints the
median and max time to ready and each process's resident memory once ready. Needs \`npm run tools\`.
--record appends the result to bench/README.md.`;
if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(argv.runs ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a whole number >= 1, got ${argv.runs}`);
  process.exit(2);
}

const rssMiB = (pid) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const shapes = [
  { name: 'etcd + kube-apiserver (the gate)', options: {} },
  { name: '+ controller-manager + scheduler (the fault tests)', options: { controllers: true, scheduler: true } },
];
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
const results = [];
for (const shape of shapes) {
  const starts = [];
  let memory = {};
  for (let i = 0; i < runs; i++) {
    const cp = await startControlPlane({ portBase: 17400, ...shape.options });
    starts.push(cp.startMs);
    // Memory once everything has settled for a second.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    memory = Object.fromEntries(Object.entries(cp.pids).map(([name, pid]) => [name, rssMiB(pid)]));
    await cp.stop();
    process.stderr.write(`${shape.name}: run ${i + 1}/${runs} ${cp.startMs} ms\n`);
  }
  results.push({ shape: shape.name, medianMs: median(starts), maxMs: Math.max(...starts), rssMiB: memory });
}
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  load,
  runs,
  results,
};
if (argv.json) console.log(JSON.stringify(result, null, 2));
else for (const r of results) console.log(`${r.shape}: median ${r.medianMs} ms, max ${r.maxMs} ms; RSS ${Object.entries(r.rssMiB).map(([k, v]) => `${k} ${v} MiB`).join(', ')}`);
if (argv.record) {
  const rows = results.map((r) => `| ${r.shape} | ${r.medianMs} | ${r.maxMs} | ${Object.entries(r.rssMiB).map(([k, v]) => `${k} ${v}`).join(', ')} |`).join('\n');
  appendFileSync('bench/README.md', `\n### control-plane start, ${result.date}\n\nMachine: ${result.machine}; load average at the start ${load}. Warm (binaries built), empty etcd each time, time from the call to a ready API server (and, with the controllers, to the default ServiceAccount existing), ${runs} runs.\n\n| shape | median ms | max ms | RSS once ready (MiB) |\n| --- | --- | --- | --- |\n${rows}\n`);
}
