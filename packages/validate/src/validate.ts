import { readFile } from 'node:fs/promises';
import type { KubeObject } from './objects.js';
import { detectEnvironment, runPolicies, type PolicyOptions } from './policy/index.js';
import { parseObjects } from './render/parse.js';
import { renderKustomization } from './render/kustomize.js';
import type { Finding, Report, TargetResult } from './report/types.js';
import { checkSchemas, chooseSchemaValidator, type SchemaOptions } from './schema/index.js';
import { defaultTargets, findRepoRoot, resolveTargets, type Target } from './targets.js';

export interface ValidateOptions extends SchemaOptions, PolicyOptions {
  /** Resolves relative paths and names targets in the report. Defaults to process.cwd(). */
  readonly cwd?: string;
  /** Repository root whose overlays/ and gitops/ are the targets when no path is given. Defaults to cwd. */
  readonly root?: string;
  /** Overrides the environment found on the objects or in the path. */
  readonly environment?: string;
  readonly onProgress?: (message: string) => void;
}

async function load(target: Target): Promise<{ yaml: string } | { error: Finding }> {
  switch (target.type) {
    case 'invalid':
      return { error: { rule: 'target', message: `${target.path}: ${target.problem}` } };
    case 'file':
      return { yaml: await readFile(target.path, 'utf8') };
    case 'kustomization': {
      const rendered = await renderKustomization(target.path);
      return rendered.ok ? { yaml: rendered.yaml } : { error: { rule: 'render', message: rendered.message } };
    }
  }
}

async function validateTarget(target: Target, options: ValidateOptions): Promise<TargetResult> {
  options.onProgress?.(`validating ${target.name}`);
  const loaded = await load(target);
  if ('error' in loaded) return { target: target.name, objects: 0, errors: [loaded.error] };
  const parsed = parseObjects(loaded.yaml);
  const objects: KubeObject[] = parsed.objects;
  const schemaFindings = await checkSchemas(objects, loaded.yaml, options);
  const detected = detectEnvironment(objects, target.path);
  const environment = options.environment ?? detected.name;
  const repoRoot = findRepoRoot(target.path);
  const policyFindings = runPolicies({ objects, targetPath: target.path, environment, repoRoot }, options);
  return {
    target: target.name,
    objects: objects.length,
    errors: [...parsed.errors, ...schemaFindings, ...detected.findings, ...policyFindings],
    environment,
  };
}

/**
 * Validates kustomization directories and YAML files: render, strict schema check, policies.
 * With no paths, validates every overlay and the GitOps definitions under `root`.
 */
export async function validateTargets(paths: readonly string[], options: ValidateOptions = {}): Promise<Report> {
  const cwd = options.cwd ?? process.cwd();
  const targets = paths.length > 0 ? resolveTargets(paths, cwd) : defaultTargets(options.root ?? cwd, cwd);
  const schemaValidator = chooseSchemaValidator(options).name;
  const results = await Promise.all(targets.map((target) => validateTarget(target, { ...options, cwd })));
  if (targets.length === 0) {
    results.push({ target: options.root ?? cwd, objects: 0, errors: [{ rule: 'target', message: 'nothing to validate: no kustomization under overlays/ and nothing under gitops/argocd or gitops/flux' }] });
  }
  const errors = results.reduce((sum, result) => sum + result.errors.length, 0);
  return {
    targets: results,
    objects: results.reduce((sum, result) => sum + result.objects, 0),
    errors,
    ok: errors === 0,
    schemaValidator,
  };
}
