#!/usr/bin/env zx
// Creates the git-ignored files the dev overlay's secretGenerators read: secrets/dev.env and secrets/tls/.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CLUSTER_SPEC, readUsersFile, SECRET_KEYS, TLS_IP_ADDRESSES, tlsDnsNames } from '@mysqlha/config';
import { makeMysqlTls, renewMysqlTls } from '@mysqlha/kube-tools';

const usage = `Usage: npm run dev:secret [-- --force] [-- --renew-tls]

Writes overlays/dev/secrets/dev.env (mode 0600, git-ignored) with a random value for every key of the
credentials Secret (${SECRET_KEYS.join(', ')})
and for the password key of every user overlays/dev/users.yaml declares. An existing file keeps its values and
gains the keys it lacks, unless --force is given: every value but root-password is then rotated, and the
agents apply the new passwords once the Secret reaches the pods (the old replication and user passwords keep
working for passwordGraceSeconds). The root password is never rotated here (docs/runtime.md, "Accounts").

Writes overlays/dev/secrets/tls/ (git-ignored) when it is missing: a CA of this machine's own and a server
certificate it signs, for the dev namespace's pods and Services, as cert-manager gives staging and prod.
--renew-tls issues a new certificate and key from the same CA: once the Secret reaches the pods, mariadbd and
the clone donor serve it without a restart.`;

if (argv.help || argv.h) {
  console.log(usage);
  process.exit(0);
}
const unknown = Object.keys(argv).filter((k) => !['_', 'force', 'renew-tls', 'help', 'h'].includes(k));
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
} else {
  const value = () => randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, keys.map((k) => `${k}=${kept.get(k) ?? value()}\n`).join(''), { mode: 0o600 });
  console.log(`dev secret: wrote ${file} (random values for ${added.join(', ')}; mode 0600, git-ignored)`);
}

const tlsDir = join(overlay, 'secrets', 'tls');
const namespace = YAML.parse(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')).namespace;
const names = { dnsNames: tlsDnsNames(DEFAULT_CLUSTER_SPEC, namespace), ipAddresses: [...TLS_IP_ADDRESSES] };
const complete = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].every((f) => existsSync(join(tlsDir, f)));
if (!complete) {
  await makeMysqlTls(tlsDir, names);
  console.log(`dev secret: wrote ${tlsDir} (a new CA and a certificate for ${names.dnsNames.join(', ')}; git-ignored)`);
} else if (argv['renew-tls']) {
  await renewMysqlTls(tlsDir, names);
  console.log(`dev secret: renewed ${join(tlsDir, 'tls.crt')} and its key from the same CA`);
} else {
  console.log(`dev secret: ${tlsDir} has a CA and a certificate, kept`);
}
