import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installCrds, loadCrds } from '../crds.js';
import { startControlPlane } from '../control-plane/start.js';
import { toolsDir } from '../paths.js';
import { loadVersions, type Versions } from '../versions.js';
import { generateSchemas, schemaDir, SERVED_FILE } from './generate.js';

/**
 * The offline validator's copy of what the real server serves: served.json (every apiVersion/kind) and the
 * kubeconform schemas of the CRD kinds versions.json marks `embedded`. Generated from the pinned server and
 * CRDs, committed (laptops have no Go), and checked for drift by `npm run tools`.
 */
export function embeddedDir(): string {
  return join(toolsDir(), '..', 'packages', 'validate', 'schemas');
}

/** Fills the schema cache from a short-lived control plane when it is empty; returns its folder. */
export async function ensureSchemaCache(versions: Versions = loadVersions(), portBase = 17200): Promise<string> {
  const cached = schemaDir(versions);
  if (cached.complete) return cached.dir;
  const controlPlane = await startControlPlane({ portBase });
  try {
    await installCrds(controlPlane.api, await loadCrds(versions), { openApi: true });
    return (await generateSchemas(controlPlane.api, versions)).dir;
  } finally {
    await controlPlane.stop();
  }
}

async function expectedFiles(versions: Versions): Promise<Map<string, string>> {
  const dir = await ensureSchemaCache(versions);
  const files = new Map<string, string>();
  const served = await readFile(join(dir, SERVED_FILE), 'utf8');
  files.set(SERVED_FILE, served);
  const kinds = (JSON.parse(served) as { kinds: string[] }).kinds;
  const crds = await loadCrds(versions);
  const versionDir = join(dir, `${versions.go.kubernetes.version}-standalone-strict`);
  for (const [name, source] of Object.entries(versions.crds)) {
    for (const kind of source.embedded) {
      const crd = crds.find((entry) => entry.source === name && entry.object.spec.names.kind === kind);
      if (!crd) throw new Error(`tools/versions.json: ${source.module}@${source.version} has no CRD of kind ${kind}`);
      const { group } = crd.object.spec;
      for (const version of crd.object.spec.versions.filter((entry) => entry.served)) {
        if (!kinds.includes(`${group}/${version.name}/${kind}`)) continue;
        const file = `${kind.toLowerCase()}-${group.split('.')[0]}-${version.name}.json`;
        files.set(join('crds', file), `${await readFile(join(versionDir, file), 'utf8')}\n`);
      }
    }
  }
  return files;
}

/** Compares (or, with update, rewrites) the committed embedded schemas; returns the files that differ. */
export async function syncEmbeddedSchemas(update: boolean, versions: Versions = loadVersions()): Promise<string[]> {
  const out = embeddedDir();
  const expected = await expectedFiles(versions);
  const present = existsSync(join(out, 'crds')) ? (await readdir(join(out, 'crds'))).map((name) => join('crds', name)) : [];
  const stale: string[] = [];
  for (const [file, text] of expected) {
    const current = existsSync(join(out, file)) ? await readFile(join(out, file), 'utf8') : undefined;
    if (current !== text) stale.push(file);
  }
  const extra = present.filter((file) => !expected.has(file));
  stale.push(...extra);
  if (update && stale.length > 0) {
    await mkdir(join(out, 'crds'), { recursive: true });
    for (const file of extra) await rm(join(out, file));
    for (const [file, text] of expected) if (stale.includes(file)) await writeFile(join(out, file), text);
  }
  return stale;
}
