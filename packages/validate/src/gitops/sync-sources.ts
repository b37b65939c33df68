import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { asArray, asRecord, asString, type KubeObject } from '../objects.js';
import { renderKustomization } from '../render/kustomize.js';
import { parseObjects } from '../render/parse.js';
import { defaultTargets } from '../targets.js';

/** The Git repositories an Argo CD Application/ApplicationSet or a Flux GitRepository syncs from. */
export function repositoriesOf(object: KubeObject): string[] {
  const spec = asRecord(object.spec);
  const group = String(object.apiVersion);
  const fromSources = (holder: Record<string, unknown>) =>
    [asString(asRecord(holder.source).repoURL), ...asArray(holder.sources).map((source) => asString(asRecord(source).repoURL))].filter((url): url is string => url !== undefined);
  if (group.startsWith('argoproj.io/') && object.kind === 'Application') return fromSources(spec);
  if (group.startsWith('argoproj.io/') && object.kind === 'ApplicationSet') return fromSources(asRecord(asRecord(spec.template).spec));
  if (group.startsWith('source.toolkit.fluxcd.io/') && object.kind === 'GitRepository') return [asString(spec.url)].filter((url): url is string => url !== undefined);
  return [];
}

/**
 * Whether `url` names a host reserved for examples (RFC 2606: example.com, .net, .org and the .example domain).
 * No GitOps engine can sync from one, so a repository whose GitOps objects still point there is a template.
 */
export function isExampleRepository(url: string): boolean {
  return /(^|\.)example(\.(com|net|org))?$/i.test(repositoryHost(url) ?? '');
}

/** The host a Git URL names, read as Git and the WHATWG URL parser read it; undefined when it is not plain. */
function repositoryHost(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      return new URL(url).hostname || undefined;
    } catch {
      return undefined;
    }
  }
  // scp-like `user@host:path`: a user and a host made of nothing that could hide another authority.
  return /^[\w.-]+@([\w.-]+):/.exec(url)?.[1];
}

/**
 * Every repository URL the GitOps objects under `root`'s gitops/ sync from, rendered as the engines would read them;
 * undefined when a GitOps folder does not render, so that what it would sync from stays unknown.
 */
export async function syncSources(root: string): Promise<string[] | undefined> {
  const urls = new Set<string>();
  for (const target of defaultTargets(root).filter((t) => relative(root, t.path).startsWith('gitops'))) {
    const rendered = target.type === 'kustomization' ? await renderKustomization(target.path) : { ok: true as const, yaml: await readFile(target.path, 'utf8') };
    if (!rendered.ok) return undefined;
    for (const object of parseObjects(rendered.yaml).objects) for (const url of repositoriesOf(object)) urls.add(url);
  }
  return [...urls];
}
