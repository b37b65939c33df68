#!/usr/bin/env zx
// Writes base/ from the default ClusterSpec, or checks that it is up to date; see --help.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBase, isClean, writeBase } from '@mysqlha/manifests';

const usage = `Usage: npm run generate [-- --check] [-- --dir DIR]

Writes base/ (one YAML file per object, plus kustomization.yaml) from the default ClusterSpec
through packages/manifests, and removes files there that it no longer generates.

  --check     write nothing; list every stale, missing or extra file and exit 1 if there is one
  --dir DIR   use DIR instead of base/
  --help      show this text`;

if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const dir = resolve(argv.dir ?? resolve(root, 'base'));
const shown = relative(process.cwd(), dir) || '.';

if (argv.check) {
  const drift = await checkBase(dir);
  if (isClean(drift)) {
    console.log(`${shown}: up to date`);
    process.exit(0);
  }
  for (const name of drift.stale) console.error(`${shown}/${name}: stale (differs from what the generator writes)`);
  for (const name of drift.missing) console.error(`${shown}/${name}: missing`);
  for (const name of drift.extra) console.error(`${shown}/${name}: extra (not generated)`);
  console.error('run `npm run generate` and commit the result');
  process.exit(1);
}

const drift = await writeBase(dir);
for (const name of [...drift.stale, ...drift.missing]) console.log(`wrote ${shown}/${name}`);
for (const name of drift.extra) console.log(`removed ${shown}/${name}`);
console.log(isClean(drift) ? `${shown}: already up to date` : `${shown}: generated`);
