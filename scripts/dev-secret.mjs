#!/usr/bin/env zx
// Creates overlays/dev/secrets/dev.env, the git-ignored file the dev overlay's secretGenerator reads.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUsersFile, SECRET_KEYS } from '@mysqlha/config';

const usage = `Usage: npm run dev:secret [-- --force]

Writes overlays/dev/secrets/dev.env (mode 0600, git-ignored) with a random value for every key of the
credentials Secret (${SECRET_KEYS.join(', ')})
and for the password key of every user overlays/dev/users.yaml declares. An existing file keeps its values and
gains the keys it lacks, unless --force is given: every value but root-password is then rotated, and the
agents apply the new passwords once the Secret reaches the pods (the old replication and user passwords keep
working for passwordGraceSeconds). The root password is never rotated here (docs/runtime.md, "Accounts").`;

if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const unknown = Object.keys(argv).filter((k) => !['_', 'force', 'help', 'h'].includes(k));
if (unknown.length > 0 || argv._.length > 0) {
  console.error(`dev secret: unknown argument ${unknown.length > 0 ? `--${unknown[0]}` : argv._[0]}\n\n${usage}`);
  process.exit(2);
}
const overlay = join(dirname(fileURLToPath(import.meta.url)), '..', 'overlays', 'dev');
const file = join(overlay, 'secrets', 'dev.env');
const keys = [...SECRET_KEYS, ...readUsersFile(join(overlay, 'users.yaml')).map((u) => u.passwordKey)];
const kept = new Map();
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && (!argv.force || line.slice(0, at) === 'root-password')) kept.set(line.slice(0, at), line.slice(at + 1));
  }
}
const added = keys.filter((k) => !kept.has(k));
if (added.length === 0) {
  console.log(`dev secret: ${file} has every key, kept`);
  process.exit(0);
}
const value = () => randomBytes(24).toString('base64url');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, keys.map((k) => `${k}=${kept.get(k) ?? value()}\n`).join(''), { mode: 0o600 });
console.log(`dev secret: wrote ${file} (random values for ${added.join(', ')}; mode 0600, git-ignored)`);
