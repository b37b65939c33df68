import { readFile } from 'node:fs/promises';
import { schemaDir } from '@mysqlha/kube-tools';
import { syncSources } from './gitops/sync-sources.js';
import type { KubeObject } from './objects.js';
import { detectEnvironment, runPolicies, type PolicyOptions } from './policy/index.js';
import { parseObjects } from './render/parse.js';
import { renderKustomization } from './render/kustomize.js';
import type { Finding, Report, TargetResult } from './report/types.js';
import { checkEmbedded, checkKubeconform, planStages, type StageOptions, type StagePlan } from './schema/index.js';
import { dryRunObjects } from './server/dry-run.js';
import { startGateServer, type GateServer } from './server/gate-server.js';
import { defaultTargets, findRepoRoot, resolveTargets, type Target } from './targets.js';

export interface ValidateOptions extends StageOptions, PolicyOptions {
  /** Resolves relative paths and names targets in the report. Defaults to process.cwd(). */
  readonly cwd?: string;
  /** Repository root whose overlays/ and gitops/ are the targets when no path is given. Defaults to cwd. */
  readonly root?: string;
  /** Overrides the environment found on the objects or in the path. */
  readonly environment?: string;
  readonly onProgress?: (message: string) => void;
}

interface Run {
  readonly plan: StagePlan;
  readonly server: GateServer | undefined;
  readonly locations: readonly string[];
  /** syncSources of each repository root met, read once. */
  readonly sources: Map<string, Promise<string[] | undefined>>;
}

function sourcesOf(run: Run, repoRoot: string | undefined): Promise<string[] | undefined> | undefined {
  if (repoRoot === undefined) return undefined;
  let sources = run.sources.get(repoRoot);
  if (!sources) run.sources.set(repoRoot, (sources = syncSources(repoRoot)));
  return sources;
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

async function stageFindings(objects: readonly KubeObject[], yaml: string, run: Run, options: ValidateOptions): Promise<Finding[]> {
  const { stages, kubeconform } = run.plan;
  const [embedded, conform, server] = await Promise.all([
    stages.includes('embedded') ? checkEmbedded(objects, options.skipKinds) : [],
    kubeconform ? checkKubeconform(yaml, kubeconform, run.locations, options.skipKinds) : [],
    run.server && stages.includes('server') ? dryRunObjects(run.server.context, objects, options.skipKinds) : [],
  ]);
  return mergeAcrossStages([
    ...embedded.map((finding) => ({ ...finding, stages: ['embedded' as const] })),
    ...conform.map((finding) => ({ ...finding, stages: ['kubeconform' as const] })),
    ...server.map((finding) => ({ ...finding, stages: ['server' as const] })),
  ]);
}

/**
 * One problem, one line: when several stages flag the same field of the same object, the first stage's
 * wording stays and the finding lists every stage that saw it. A finding with one stage is where they differ.
 */
function mergeAcrossStages(findings: readonly Finding[]): Finding[] {
  const merged = new Map<string, Finding>();
  const loose: Finding[] = [];
  for (const finding of findings) {
    if (finding.path === undefined || finding.path === '' || finding.kind === undefined) {
      loose.push(finding);
      continue;
    }
    const key = `${finding.kind}/${finding.name ?? ''}/${finding.path}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, finding);
    else if (!seen.stages?.some((stage) => finding.stages?.includes(stage))) merged.set(key, { ...seen, stages: [...(seen.stages ?? []), ...(finding.stages ?? [])] });
    else loose.push(finding);
  }
  return [...merged.values(), ...loose];
}

async function validateTarget(target: Target, run: Run, options: ValidateOptions): Promise<TargetResult> {
  options.onProgress?.(`validating ${target.name}`);
  const loaded = await load(target);
  if ('error' in loaded) return { target: target.name, objects: 0, errors: [loaded.error] };
  const parsed = parseObjects(loaded.yaml);
  const objects: KubeObject[] = parsed.objects;
  const schemaFindings = parsed.errors.length > 0 ? [] : await stageFindings(objects, loaded.yaml, run, options);
  const detected = detectEnvironment(objects, target.path);
  const environment = options.environment ?? detected.name;
  const repoRoot = findRepoRoot(target.path);
  const syncSources = await sourcesOf(run, repoRoot);
  const policyFindings = runPolicies({ objects, targetPath: target.path, environment, repoRoot, syncSources }, options);
  const notes = policyFindings.filter((finding) => finding.note);
  return {
    target: target.name,
    objects: objects.length,
    errors: [...parsed.errors, ...schemaFindings, ...detected.findings, ...policyFindings.filter((finding) => !finding.note)],
    ...(notes.length > 0 ? { notes } : {}),
    environment,
  };
}

/**
 * Validates kustomization directories and YAML files: render, the schema stages (embedded, kubeconform, the
 * real API server), policies. With no paths, validates every overlay and the GitOps definitions under `root`.
 */
export async function validateTargets(paths: readonly string[], options: ValidateOptions = {}): Promise<Report> {
  const cwd = options.cwd ?? process.cwd();
  const targets = paths.length > 0 ? resolveTargets(paths, cwd) : defaultTargets(options.root ?? cwd, cwd);
  const plan = planStages(options);
  const server = plan.startServer && targets.some((target) => target.type !== 'invalid') ? await startGateServer(options.onProgress) : undefined;
  try {
    const locations = options.schemaLocations ?? [server?.schemaDir ?? schemaDir().dir];
    const run: Run = { plan, server, locations, sources: new Map() };
    const results = await Promise.all(targets.map((target) => validateTarget(target, run, { ...options, cwd })));
    if (targets.length === 0) {
      results.push({ target: options.root ?? cwd, objects: 0, errors: [{ rule: 'target', message: 'nothing to validate: no kustomization under overlays/ and nothing under gitops/argocd or gitops/flux' }] });
    }
    const errors = results.reduce((sum, result) => sum + result.errors.length, 0);
    return {
      targets: results,
      objects: results.reduce((sum, result) => sum + result.objects, 0),
      errors,
      ok: errors === 0,
      stages: plan.stages,
    };
  } finally {
    await server?.stop();
  }
}
