import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { argoSources } from '../gitops/sync-sources.js';
import { asArray, asRecord, asString, type KubeObject } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { isKustomizationDir } from '../targets.js';
import { finding, type Policy } from './types.js';

/** Paths an Argo CD Application/ApplicationSet or a Flux Kustomization deploys from, relative to the repository root. */
function deployedPaths(object: KubeObject): { path: PathSegment[]; value: string }[] {
  const spec = asRecord(object.spec);
  const out = argoSources(object).flatMap(({ at, source }) => {
    const value = asString(source.path);
    return value === undefined ? [] : [{ path: [...at, 'path'], value }];
  });
  if (object.kind === 'ApplicationSet') return out.flatMap((entry) => expandListGenerators(spec, entry));
  if (object.kind === 'Kustomization' && String(object.apiVersion).startsWith('kustomize.toolkit.fluxcd.io/')) {
    const value = asString(spec.path);
    if (value !== undefined) out.push({ path: ['spec', 'path'], value });
  }
  return out;
}

/**
 * ApplicationSet paths are templates. With list generators the values are in the object, so each
 * element's path can be checked; other generators are filled in at run time and are skipped.
 */
function expandListGenerators(spec: Record<string, unknown>, entry: { path: PathSegment[]; value: string }): { path: PathSegment[]; value: string }[] {
  if (!entry.value.includes('{{')) return [entry];
  const elements = asArray(spec.generators).flatMap((generator) => asArray(asRecord(asRecord(generator).list).elements));
  return elements.map((element) => ({
    path: entry.path,
    value: entry.value.replace(/\{\{\s*\.?([\w.-]+)\s*\}\}/g, (placeholder, key: string) => asString(asRecord(element)[key]) ?? placeholder),
  }));
}

/** A reviewer check: the GitOps object points at a kustomization that exists in this repository. */
export const gitopsPath: Policy = {
  id: 'gitops-path',
  check({ objects, repoRoot }) {
    if (!repoRoot) return [];
    const findings: Finding[] = [];
    for (const object of objects) {
      for (const { path, value } of deployedPaths(object)) {
        // ApplicationSet generators fill templated paths at run time; nothing to check statically.
        if (value.includes('{{')) continue;
        const dir = resolve(repoRoot, value);
        const inside = relative(repoRoot, dir);
        if (isAbsolute(value) || inside.startsWith('..')) {
          findings.push(finding('gitops-path', object, path, `"${value}" is outside the repository`));
        } else if (!existsSync(dir) || !statSync(dir).isDirectory()) {
          findings.push(finding('gitops-path', object, path, `"${value}" does not exist in the repository`));
        } else if (!isKustomizationDir(dir)) {
          findings.push(finding('gitops-path', object, path, `"${value}" has no kustomization.yaml`));
        }
      }
    }
    return findings;
  },
};
