import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeApi } from '../api/client.js';
import { cacheDir } from '../paths.js';
import { loadVersions, type Versions } from '../versions.js';
import { kindSchemas, type KindSchema } from './openapi-to-json-schema.js';

/** Every apiVersion/kind the pinned server serves with the pinned CRDs installed, beside the schemas. */
export const SERVED_FILE = 'served.json';

export interface Served {
  readonly kubernetes: string;
  /** `apps/v1/StatefulSet`, `v1/Service`, `external-secrets.io/v1/ExternalSecret`, sorted. */
  readonly kinds: readonly string[];
}

function servedList(schemas: readonly KindSchema[], versions: Versions): Served {
  const kinds = schemas.map(({ gvk }) => `${gvk.group === '' ? '' : `${gvk.group}/`}${gvk.version}/${gvk.kind}`);
  return { kubernetes: versions.go.kubernetes.version, kinds: [...new Set(kinds)].sort() };
}

/** The folder kubeconform's -schema-location points at for these versions, and whether it is complete. */
export function schemaDir(versions: Versions = loadVersions()): { dir: string; complete: boolean } {
  const key = createHash('sha256').update(JSON.stringify(versions)).digest('hex').slice(0, 12);
  const dir = join(cacheDir(), 'schemas', `${versions.go.kubernetes.version}-${key}`);
  return { dir, complete: existsSync(join(dir, '.complete')) };
}

/** kubeconform's -kubernetes-version for the pinned release (1.35.4), which names the schema folder. */
export function kubeconformVersion(versions: Versions = loadVersions()): string {
  return versions.go.kubernetes.version.replace(/^v/, '');
}

/**
 * Writes the kubeconform schemas of every kind the API server serves (CRDs installed first) into the cache,
 * once per set of versions. No network beyond the local API server.
 */
export async function generateSchemas(api: KubeApi, versions: Versions = loadVersions()): Promise<{ dir: string; kinds: number; generated: boolean }> {
  const { dir, complete } = schemaDir(versions);
  if (complete) return { dir, kinds: 0, generated: false };
  const document = (await api.expect('GET', '/openapi/v2')).body;
  const schemas = kindSchemas(document);
  const partial = `${dir}.partial-${process.pid}`;
  const versionDir = join(partial, `v${kubeconformVersion(versions)}-standalone-strict`);
  await mkdir(versionDir, { recursive: true });
  await Promise.all(schemas.map((kind) => writeFile(join(versionDir, kind.file), JSON.stringify(kind.schema))));
  await writeFile(join(partial, SERVED_FILE), `${JSON.stringify(servedList(schemas, versions), null, 1)}\n`);
  await writeFile(join(partial, '.complete'), `${schemas.length} kinds\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return { dir, kinds: schemas.length, generated: true };
}
