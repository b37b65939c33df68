import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeApi } from './api/client.js';
import { moduleDir } from './go.js';
import { loadVersions, type Versions } from './versions.js';

export interface Crd {
  /** The versions.json entry it comes from, e.g. `external-secrets`. */
  readonly source: string;
  readonly version: string;
  readonly file: string;
  readonly object: Record<string, unknown> & { metadata: { name: string }; spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] } };
}

/** Every CustomResourceDefinition that the pinned projects ship, read from their modules in the Go module cache. */
export async function loadCrds(versions: Versions = loadVersions()): Promise<Crd[]> {
  const crds: Crd[] = [];
  for (const [source, pinned] of Object.entries(versions.crds)) {
    const dir = join(await moduleDir(pinned.module, pinned.version), pinned.dir);
    const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name)).sort();
    for (const name of files) {
      for (const document of parseAllDocuments(await readFile(join(dir, name), 'utf8'))) {
        const object = document.toJS() as Crd['object'] | null;
        if (object?.kind === 'CustomResourceDefinition') crds.push({ source, version: pinned.version, file: name, object });
      }
    }
  }
  if (crds.length === 0) throw new Error('tools/versions.json names no CRD files');
  return crds;
}

function established(body: unknown): boolean {
  const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True');
}

/**
 * Applies the CRDs to the API server and waits until each is Established, and, when asked (to generate
 * schemas from it), published in /openapi/v2.
 */
export async function installCrds(api: KubeApi, crds: readonly Crd[], options: { openApi?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  await Promise.all(
    crds.map((crd) => {
      const { status: _status, ...object } = crd.object;
      return api.expect('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.object.metadata.name}?fieldManager=mysqlha-tools&force=true`, {
        body: object,
        contentType: 'application/apply-patch+yaml',
      });
    }),
  );
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(crds.map((crd) => crd.object.metadata.name));
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const response = await api.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      if (response.status === 200 && established(response.body)) pending.delete(name);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`CRDs not established in time: ${[...pending].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!options.openApi) return;
  const wanted = crds.flatMap((crd) => crd.object.spec.versions.filter((version) => version.served).map((version) => `${crd.object.spec.group}/${version.name}/${crd.object.spec.names.kind}`));
  for (;;) {
    const published = await publishedKinds(api);
    const missing = wanted.filter((gvk) => !published.has(gvk));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`CRDs not in /openapi/v2 in time: ${missing.slice(0, 5).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function publishedKinds(api: KubeApi): Promise<Set<string>> {
  const response = await api.expect('GET', '/openapi/v2');
  const definitions = (response.body as { definitions?: Record<string, { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }> }).definitions ?? {};
  const kinds = new Set<string>();
  for (const definition of Object.values(definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) kinds.add(`${gvk.group}/${gvk.version}/${gvk.kind}`);
  }
  return kinds;
}
