import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretKey } from '@mysqlha/config';

/** The credentials Secret of docs/runtime.md as files, plus the checker's own password (kept in memory only). */
export interface Secrets {
  /** One 0600 file per key of the credentials Secret (SECRET_KEYS of @mysqlha/config). */
  dir: string;
  rootPassword: string;
  replicationPassword: string;
  agentPassword: string;
  clonePassword: string;
  exporterPassword: string;
  cloneToken: string;
  checkerPassword: string;
}

function randomSecret(): string {
  return randomBytes(18).toString('base64url');
}

export function createSecrets(dir: string): Secrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets: Secrets = {
    dir,
    rootPassword: randomSecret(),
    replicationPassword: randomSecret(),
    agentPassword: randomSecret(),
    clonePassword: randomSecret(),
    exporterPassword: randomSecret(),
    cloneToken: randomSecret(),
    checkerPassword: randomSecret(),
  };
  const files: Record<SecretKey, string> = {
    'root-password': secrets.rootPassword,
    'replication-password': secrets.replicationPassword,
    'agent-password': secrets.agentPassword,
    'clone-password': secrets.clonePassword,
    'exporter-password': secrets.exporterPassword,
    'clone-token': secrets.cloneToken,
  };
  for (const [key, value] of Object.entries(files)) writeFileSync(join(dir, key), value, { mode: 0o600 });
  return secrets;
}
