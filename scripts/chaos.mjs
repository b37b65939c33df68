#!/usr/bin/env zx
// A seeded, randomized fault campaign against real mariadbd and real agents; see `npm run chaos -- --help`.
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, formatCampaign, runCampaign } from '@mysqlha/testkit';

const usage = `Usage: npm run chaos -- [--faults N] [--seed S] [--kinds k1,k2] [--port-base P] [--json] [--record]

Starts three real mariadbd servers, the fake Kubernetes API and three agents on loopback, puts a write load
through the leader label plus a pooled client holding a direct connection to the leader, then injects N faults
(default 30) drawn with seed S (default: the current time, printed) and, after each, checks every acknowledged
write and every writable moment. Prints, per fault kind: count, failover p50/p99/max, acknowledged writes lost,
ms with two writable servers, stuck clusters. Exits 1 unless all three are 0.

--kinds      comma-separated subset of: ${FAULT_KINDS.join(', ')}
--port-base  first of 40 loopback ports (default 15400)
--record     append the table to bench/README.md`;

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(process.argv.findIndex((a) => a.endsWith('chaos.mjs')) + 1),
    options: {
      faults: { type: 'string' },
      seed: { type: 'string' },
      kinds: { type: 'string' },
      'port-base': { type: 'string' },
      json: { type: 'boolean' },
      record: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`chaos: ${error.message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const int = (name, value, fallback) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`chaos: --${name}: expected a whole number, got "${value}"`);
    process.exit(2);
  }
  return n;
};
const faults = int('faults', values.faults, 30);
const seed = int('seed', values.seed, Date.now() % 2 ** 31);
const portBase = int('port-base', values['port-base'], 15400);
const kinds = values.kinds?.split(',').map((k) => k.trim());
const unknown = kinds?.filter((k) => !FAULT_KINDS.includes(k)) ?? [];
if (unknown.length > 0 || kinds?.length === 0) {
  console.error(`chaos: --kinds: expected a comma-separated subset of ${FAULT_KINDS.join(', ')}, got "${values.kinds}"`);
  process.exit(2);
}
console.error(`chaos: ${faults} faults, seed ${seed}`);
const began = Date.now();
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
const report = await runCampaign({ faults, seed, portBase, ...(kinds ? { kinds } : {}), onProgress: (line) => console.error(line) });
const minutes = ((Date.now() - began) / 60_000).toFixed(1);
console.log(values.json ? JSON.stringify(report, null, 2) : formatCampaign(report));
if (values.record) {
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  appendFileSync('bench/README.md', `\n### chaos, ${new Date().toISOString().slice(0, 10)}\n\nMachine: ${machine}; load average at the start ${load}; ${minutes} min. \`npm run chaos -- --faults ${faults} --seed ${seed}${kinds ? ` --kinds ${kinds.join(',')}` : ''}\`.\n\n${formatCampaign(report)}\n`);
}
process.exit(report.ok ? 0 : 1);
