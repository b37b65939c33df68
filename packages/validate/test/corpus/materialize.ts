import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVersions, moduleDir } from '@mysqlha/kube-tools';
import { parseAllDocuments, stringify } from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface CorpusFile {
  /** e.g. `argo-cd/guestbook-ui-deployment.yaml` or `seeds/statefulset.yaml` */
  readonly name: string;
  readonly text: string;
}

/** The version tools/versions.json pins for a module (a tool or a CRD source). */
function pinnedVersion(module: string): string {
  const versions = loadVersions();
  const all = [...Object.values(versions.go), ...Object.values(versions.crds)];
  const found = all.find((pinned) => pinned.module === module);
  if (!found) throw new Error(`corpus.json names ${module}, which tools/versions.json does not pin`);
  return found.version;
}

/** The corpus: the seeds' YAML from the repo, the rest from the Go module cache at pinned versions. */
export async function loadCorpus(): Promise<CorpusFile[]> {
  const files: CorpusFile[] = readdirSync(join(HERE, 'seeds')).sort().map((name) => ({ name: `seeds/${name}`, text: readFileSync(join(HERE, 'seeds', name), 'utf8') }));
  const { modules } = JSON.parse(readFileSync(join(HERE, 'corpus.json'), 'utf8')) as { modules: Record<string, string[]> };
  for (const [module, paths] of Object.entries(modules)) {
    const dir = await moduleDir(module, pinnedVersion(module));
    const short = module.split('/').at(-1) === 'v3' ? (module.split('/').at(-2) ?? module) : (module.split('/').at(-1) ?? module);
    for (const path of paths) files.push({ name: `${short}/${path.split('/').slice(-2).join('-')}`, text: readFileSync(join(dir, path), 'utf8') });
  }
  return files;
}

export type Variant = 'original' | 'unknown-field' | 'wrong-type';

/** A broken copy of a file: its first object gains an unknown field, or a label map becomes a string. */
export function variant(text: string, kind: Variant): string {
  if (kind === 'original') return text;
  const documents = parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS() as Record<string, unknown> | null).filter((object) => object !== null);
  const [first] = documents;
  if (!first) return text;
  const metadata = (first.metadata ?? {}) as Record<string, unknown>;
  if (kind === 'unknown-field') {
    if (typeof first.spec === 'object' && first.spec !== null) (first.spec as Record<string, unknown>).notAField = true;
    else first.notAField = true;
  } else {
    first.metadata = { ...metadata, labels: 'not-a-map' };
  }
  return documents.map((object) => stringify(object)).join('---\n');
}

/** Writes every file and its variants into a new folder; returns the folder and the file names. */
export function writeCorpus(files: readonly CorpusFile[], variants: readonly Variant[]): { dir: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mysqlha-corpus-'));
  const names: string[] = [];
  for (const file of files) {
    for (const kind of variants) {
      const name = `${file.name.replace(/\//g, '__').replace(/\.ya?ml$/, '')}.${kind}.yaml`;
      writeFileSync(join(dir, name), variant(file.text, kind));
      names.push(name);
    }
  }
  return { dir, names: names.map((name) => basename(name)) };
}
