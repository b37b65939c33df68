import { existsSync, readFileSync } from 'node:fs';
import { FENCE_SPARED_USERS, LOCAL_ACCOUNTS, REPLICATION_ACCOUNT } from './accounts.js';
import { OPTIONAL_SECRET_KEYS, SECRET_KEYS, type SecretKey } from './paths.js';
import { parse as parseYaml } from 'yaml';

/** How an application user may use its database. */
export type Access = 'readwrite' | 'readonly';

/** An account whose password the leader keeps equal to a key of the credentials Secret. */
export interface ManagedAccount {
  user: string;
  host: string;
  /** File name in the secrets directory. */
  passwordKey: string;
  /** Application users only: the database they own, created if missing, and what they may do in it. */
  database?: string;
  access?: Access;
}

/**
 * The product's accounts that log in across pods, whose passwords the leader keeps current (bootstrap creates
 * them). Accounts used on their own server only are LOCAL_ACCOUNTS: each pod keeps those itself.
 */
export const SYSTEM_ACCOUNTS: readonly ManagedAccount[] = [{ ...REPLICATION_ACCOUNT, passwordKey: 'replication-password' satisfies SecretKey }];

const NAME = /^[A-Za-z0-9_]{1,64}$/;
const KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/**
 * Names an application user may not take, compared without case as the server compares them: the server's and
 * mysqlha's accounts, and the users whose sessions the fence spares (a user named like one could hold the fence
 * back).
 */
const RESERVED = new Set(['root', 'public', ...FENCE_SPARED_USERS, ...SYSTEM_ACCOUNTS.map((a) => a.user), ...LOCAL_ACCOUNTS.map((a) => a.user)]);
const reserved = (name: string) => RESERVED.has(name.toLowerCase()) || name.toLowerCase().startsWith('mysqlha');
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys', 'mysqlha']);

export class UsersFileError extends Error {
  constructor(file: string, field: string, expected: string, got: unknown) {
    super(`${file}: ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'UsersFileError';
  }
}

/**
 * The application users an overlay declares (ConfigMap key `users.yaml`, docs/runtime.md "Accounts"). A missing
 * file declares none. Every user gets one database; a password comes from a key of the credentials Secret.
 */
export function readUsersFile(file: string): ManagedAccount[] {
  if (!existsSync(file)) return [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsersFileError(file, '(document)', 'YAML', (err as Error).message);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsersFileError(file, '(document)', 'a map with key users', doc);
  const extra = Object.keys(doc).filter((k) => k !== 'users');
  if (extra.length > 0) throw new UsersFileError(file, extra[0]!, 'no such key (only users)', (doc as Record<string, unknown>)[extra[0]!]);
  const users = (doc as { users?: unknown }).users ?? [];
  if (!Array.isArray(users)) throw new UsersFileError(file, 'users', 'a list of {name, database, passwordKey, access}', users);
  const seen = new Set<string>();
  return users.map((u: unknown, i) => {
    const at = `users[${i}]`;
    if (typeof u !== 'object' || u === null || Array.isArray(u)) throw new UsersFileError(file, at, 'a map {name, database, passwordKey, access}', u);
    const r = u as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!['name', 'database', 'passwordKey', 'access'].includes(k)) throw new UsersFileError(file, `${at}.${k}`, 'no such key (name, database, passwordKey, access)', r[k]);
    }
    if (typeof r.name !== 'string' || !NAME.test(r.name)) throw new UsersFileError(file, `${at}.name`, 'a user name of letters, digits and _ (at most 64)', r.name);
    if (reserved(r.name)) throw new UsersFileError(file, `${at}.name`, 'a name that is not one of the server or mysqlha accounts', r.name);
    if (seen.has(r.name.toLowerCase())) throw new UsersFileError(file, `${at}.name`, 'a name not declared twice', r.name);
    seen.add(r.name.toLowerCase());
    const database = r.database ?? r.name;
    if (typeof database !== 'string' || !NAME.test(database) || SYSTEM_DATABASES.has(database.toLowerCase())) {
      throw new UsersFileError(file, `${at}.database`, 'a database name of letters, digits and _, not a system schema', database);
    }
    const passwordKey = r.passwordKey ?? `user-${r.name}-password`;
    if (typeof passwordKey !== 'string' || !KEY.test(passwordKey) || passwordKey === '.' || passwordKey === '..' || ([...SECRET_KEYS, ...OPTIONAL_SECRET_KEYS] as readonly string[]).includes(passwordKey)) {
      // Not echoed: a password pasted here by mistake must not reach a log or an Event.
      throw new UsersFileError(file, `${at}.passwordKey`, `a key of the credentials Secret of its own (not ${[...SECRET_KEYS, ...OPTIONAL_SECRET_KEYS].join(', ')})`, '(not shown)');
    }
    const access = r.access ?? 'readwrite';
    if (access !== 'readwrite' && access !== 'readonly') throw new UsersFileError(file, `${at}.access`, '"readwrite" or "readonly"', access);
    return { user: r.name, host: '%', passwordKey, database, access };
  });
}
