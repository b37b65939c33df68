#!/usr/bin/env zx
// Creates overlays/dev/secrets/dev.env, the git-ignored file the dev overlay's secretGenerator reads.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const usage = `Usage: npm run dev:secret [-- --force]

Writes overlays/dev/secrets/dev.env (mode 0600, git-ignored) with random values for
root-password, replication-password and clone-token, for the dev overlay's Secret.
An existing file is kept unless --force is given (rotating it restarts the dev pods with new
credentials; an existing dev datadir keeps the old root password).`;

if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'overlays', 'dev', 'secrets', 'dev.env');
if (existsSync(file) && !argv.force) {
  console.log(`dev secret: ${file} exists, kept`);
  process.exit(0);
}
const value = () => randomBytes(24).toString('base64url');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(
  file,
  `root-password=${value()}\nreplication-password=${value()}\nclone-token=${value()}\n`,
  { mode: 0o600 },
);
console.log(`dev secret: wrote ${file} (random values, mode 0600, git-ignored)`);
