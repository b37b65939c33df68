#!/usr/bin/env zx
// The main job: everything a reviewer needs green before a merge, in the order a failure is cheapest
// to find. Each step is its own script; this one only sequences them and prints the summary.
import { performance } from 'node:perf_hooks';

const usage = `Usage: npm run check [-- --json]

Builds every package, checks that base/ matches what packages/manifests generates, renders every
overlay and GitOps folder and validates it (schema, then policy), and prints a summary.
Creates the git-ignored dev Secret file first when it is missing, so the dev overlay renders.
Exits non-zero when any step fails.`;

if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
$.verbose = true;

const steps = [
  ['dev secret file', ['zx', 'scripts/dev-secret.mjs']],
  ['base/ is up to date', ['zx', 'scripts/generate.mjs', '--check']],
  ['render + validate', ['zx', 'scripts/validate.mjs', ...(argv.json ? ['--json'] : [])]],
];
const results = [];
for (const [name, [cmd, ...args]] of steps) {
  console.error(`\n== ${name}`);
  const start = performance.now();
  const out = await $`${cmd} ${args}`.nothrow();
  results.push({ name, ok: out.exitCode === 0, seconds: (performance.now() - start) / 1000 });
  if (out.exitCode !== 0) break;
}

console.log('\nsummary');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)`);
for (const [name] of steps.slice(results.length)) console.log(`  skip ${name}`);
const failed = results.some((r) => !r.ok);
console.log(failed ? 'check failed' : 'check passed');
process.exit(failed ? 1 : 0);
