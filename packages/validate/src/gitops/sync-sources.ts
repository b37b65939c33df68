import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { asArray, asRecord, asString, type KubeObject } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import { renderKustomization } from '../render/kustomize.js';
import { parseObjects } from '../render/parse.js';
import { defaultTargets } from '../targets.js';

/** The sources an Argo CD Application or ApplicationSet template names, each with where it sits in the object. */
export function argoSources(object: KubeObject): { at: PathSegment[]; source: Record<string, unknown> }[] {
  if (!String(object.apiVersion).startsWith('argoproj.io/')) return [];
  const spec = asRecord(object.spec);
  const where: [Record<string, unknown>, PathSegment[]] | undefined =
    object.kind === 'Application' ? [spec, ['spec']] : object.kind === 'ApplicationSet' ? [asRecord(asRecord(spec.template).spec), ['spec', 'template', 'spec']] : undefined;
  if (!where) return [];
  const [holder, at] = where;
  const out = holder.source === undefined ? [] : [{ at: [...at, 'source'], source: asRecord(holder.source) }];
  asArray(holder.sources).forEach((source, index) => out.push({ at: [...at, 'sources', index], source: asRecord(source) }));
  return out;
}

/** The Git repositories an Argo CD Application/ApplicationSet or a Flux GitRepository syncs from. */
export function repositoriesOf(object: KubeObject): string[] {
  const urls = argoSources(object).map(({ source }) => asString(source.repoURL));
  if (String(object.apiVersion).startsWith('source.toolkit.fluxcd.io/') && object.kind === 'GitRepository') urls.push(asString(asRecord(object.spec).url));
  return urls.filter((url): url is string => url !== undefined);
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
