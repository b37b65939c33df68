#!/usr/bin/env zx
// How much the validation gate costs over rendering alone: `npm run validate` (render, the three schema
// stages: embedded, kubeconform and the real API server it starts, then policy, every overlay and GitOps
// folder) against bare `kubectl kustomize` of the same directories, each as a user runs it, median of
// --runs repetitions.
import { readdirSync, existsSync, appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

const usage = `Usage: npm run bench:render-validate -- [--runs N] [--json] [--record]

Times \`zx scripts/validate.mjs\` (all targets) against bare \`kubectl kustomize\` of the same
kustomization directories, N times each (default 5), and prints the medians and their ratio.
With the tools built the gate starts its own kube-apiserver each run: that start is part of the cost. --record appends the result to bench/README.md.`;
if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(argv.runs ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a whole number >= 1, got ${argv.runs}`);
  process.exit(2);
}
$.verbose = false;

const kustomizeDirs = [
  ...readdirSync('overlays').map((d) => `overlays/${d}`),
  'gitops/argocd',
  ...readdirSync('gitops/flux').map((d) => `gitops/flux/${d}`),
].filter((d) => existsSync(`${d}/kustomization.yaml`));
const renderer = (await $`command -v kustomize`.nothrow()).exitCode === 0 ? ['kustomize', 'build'] : ['kubectl', 'kustomize'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

await $`zx scripts/dev-secret.mjs`;
const bare = [];
const gate = [];
for (let i = 0; i < runs; i++) {
  bare.push(await time(async () => {
    for (const dir of kustomizeDirs) await $`${renderer} ${dir}`;
  }));
  gate.push(await time(() => $`zx scripts/validate.mjs`));
  process.stderr.write(`run ${i + 1}/${runs}: bare ${bare.at(-1).toFixed(2)} s, validate ${gate.at(-1).toFixed(2)} s\n`);
}
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  targets: kustomizeDirs,
  runs,
  bareRenderSeconds: Number(median(bare).toFixed(3)),
  renderAndValidateSeconds: Number(median(gate).toFixed(3)),
  ratio: Number((median(gate) / median(bare)).toFixed(2)),
  stages: 'embedded, kubeconform, server',
};
if (argv.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`targets: ${kustomizeDirs.join(', ')}`);
  console.log(`bare ${renderer.join(' ')}: ${result.bareRenderSeconds} s (median of ${runs})`);
  console.log(`render + validate:   ${result.renderAndValidateSeconds} s (median of ${runs}; stages ${result.stages})`);
  console.log(`ratio: ${result.ratio}x`);
}
if (argv.record) {
  appendFileSync('bench/README.md', `\n### render-validate, ${result.date}\n\nMachine: ${result.machine}. ${kustomizeDirs.length} kustomization directories, median of ${runs} runs.\n\n| | seconds |\n| --- | --- |\n| bare \`${renderer.join(' ')}\` of every directory | ${result.bareRenderSeconds} |\n| \`npm run validate\` (render; embedded, kubeconform and server stages, the control plane started included; policy) | ${result.renderAndValidateSeconds} |\n| ratio | ${result.ratio}x |\n`);
}
