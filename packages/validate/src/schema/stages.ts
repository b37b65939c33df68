import { allTools, findTool, kubeconformVersion, schemaDir } from '@mysqlha/kube-tools';
import { which } from '../render/which.js';

/**
 * The gate's three stages. `embedded` runs everywhere, offline. `kubeconform` is the real kubeconform -strict
 * with schemas generated from the real API server. `server` applies every object to a real kube-apiserver
 * (dry run, strict field validation, Pod Security restricted).
 */
export type Stage = 'embedded' | 'kubeconform' | 'server';
export const STAGES: readonly Stage[] = ['embedded', 'kubeconform', 'server'];

export interface StageOptions {
  /** The stages to run; by default every stage whose tools are present (all three once `npm run tools` has run). */
  readonly stages?: readonly Stage[];
  /** kubeconform schema locations; by default the schemas generated from the pinned API server. */
  readonly schemaLocations?: readonly string[];
  /** Kinds no stage has a schema for (another project's CRDs): `Kind` or `apiVersion/Kind`. Skipped by the schema stages. */
  readonly skipKinds?: readonly string[];
}

export interface StagePlan {
  readonly stages: readonly Stage[];
  readonly kubeconform?: { readonly executable: string; readonly version: string };
  /** Whether a control plane must start: for the server stage, or to generate kubeconform's schemas. */
  readonly startServer: boolean;
}

/** Decides which stages run, and fails early with what to do when an asked-for stage cannot. */
export function planStages(options: StageOptions): StagePlan {
  const tools = allTools();
  const kubeconform = findTool('kubeconform') ?? which('kubeconform');
  const stages = options.stages ?? STAGES.filter((stage) => stage === 'embedded' || (stage === 'kubeconform' ? kubeconform !== undefined && (tools.ok || options.schemaLocations !== undefined || schemaDir().complete) : tools.ok));
  if (stages.includes('server') && !tools.ok) {
    throw new Error(`the server stage needs the Kubernetes tools (missing: ${tools.missing.join(', ')}): run \`npm run tools\``);
  }
  if (stages.includes('kubeconform') && !kubeconform) throw new Error('the kubeconform stage needs kubeconform: run `npm run tools`, or put kubeconform on PATH');
  const needSchemas = stages.includes('kubeconform') && options.schemaLocations === undefined && !schemaDir().complete;
  if (needSchemas && !tools.ok) throw new Error('kubeconform needs schemas: run `npm run tools` (they are generated from the pinned API server), or pass --schema-location');
  return {
    stages,
    ...(kubeconform && stages.includes('kubeconform') ? { kubeconform: { executable: kubeconform, version: kubeconformVersion() } } : {}),
    startServer: stages.includes('server') || needSchemas,
  };
}

/** Whether KIND (of apiVersion) is one the user asked the schema stages to skip. */
export function skipped(skipKinds: readonly string[] | undefined, apiVersion: unknown, kind: unknown): boolean {
  if (!skipKinds || typeof kind !== 'string') return false;
  return skipKinds.some((entry) => entry === kind || entry === `${String(apiVersion)}/${kind}`);
}
