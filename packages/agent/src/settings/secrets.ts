import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SecretKey } from '@mysqlha/config';

export type { SecretKey };

/**
 * A credential from its file in the secrets directory (a key of SECRET_KEYS, or an application user's password
 * key); trailing newlines are not part of it.
 */
export function readSecret(secretsDir: string, key: SecretKey | (string & {})): string {
  const path = join(secretsDir, key);
  let value: string;
  try {
    value = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`secret ${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  value = secretValue(value);
  if (value === '') throw new Error(`secret ${key}: ${path} is empty`);
  return value;
}

/** Whether the secrets directory holds `key` at all: an optional key (OPTIONAL_SECRET_KEYS) may be absent. */
export function secretPresent(secretsDir: string, key: SecretKey): boolean {
  return existsSync(join(secretsDir, key));
}

/** A credential as its file or Secret key holds it: one trailing newline (an editor's, or `--from-file`'s) is not part of it. */
export function secretValue(text: string): string {
  return text.replace(/\r?\n$/, '');
}
