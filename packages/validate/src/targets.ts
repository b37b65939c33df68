import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from './objects.js';

export type Target =
  | { readonly name: string; readonly path: string; readonly type: 'kustomization' | 'file' }
  | { readonly name: string; readonly path: string; readonly type: 'invalid'; readonly problem: string };

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const YAML_FILE = /\.ya?ml$/;

/**
 * A directory `kustomize build` can render: it has a kustomization file that is neither a
 * Component (only usable from another kustomization) nor a Flux Kustomization object that happens
 * to be called kustomization.yaml.
 */
export function isKustomizationDir(dir: string): boolean {
  const file = KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
  if (!file) return false;
  try {
    const content: unknown = parse(readFileSync(file, 'utf8'));
    if (!isRecord(content)) return true;
    if (content.kind === 'Component') return false;
    return content.apiVersion === undefined || String(content.apiVersion).startsWith('kustomize.config.k8s.io/');
  } catch {
    // kustomize reports the syntax error when it renders.
    return true;
  }
}

/** The git checkout holding `path`, if any. */
export function findRepoRoot(path: string): string | undefined {
  let dir = resolve(path);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => join(dir, entry.name))
    .sort();
}

function overlayDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return subdirectories(dir).flatMap((child) => (isKustomizationDir(child) ? [child, ...overlayDirs(child)] : overlayDirs(child)));
}

function gitopsTargets(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (isKustomizationDir(dir)) return [dir];
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && YAML_FILE.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
  return [...files, ...subdirectories(dir).flatMap(gitopsTargets)];
}

/** With no arguments: every overlay kustomization, then everything under gitops/argocd and gitops/flux. */
export function defaultTargets(root: string, cwd = root): Target[] {
  const paths = [
    ...overlayDirs(join(root, 'overlays')),
    ...gitopsTargets(join(root, 'gitops', 'argocd')),
    ...gitopsTargets(join(root, 'gitops', 'flux')),
  ];
  return paths.map((path) => ({
    name: relative(cwd, path) || '.',
    path,
    type: statSync(path).isDirectory() ? 'kustomization' : 'file',
  }));
}

export function resolveTargets(args: readonly string[], cwd: string): Target[] {
  return args.map((name): Target => {
    const path = resolve(cwd, name);
    if (!existsSync(path)) return { name, path, type: 'invalid', problem: 'no such file or directory' };
    if (statSync(path).isDirectory()) {
      return isKustomizationDir(path)
        ? { name, path, type: 'kustomization' }
        : { name, path, type: 'invalid', problem: 'directory has no kustomization.yaml (or it is a Component)' };
    }
    return { name, path, type: 'file' };
  });
}
