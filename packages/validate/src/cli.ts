import { parseArgs } from 'node:util';
import { formatReport, formatReportJson } from './report/format.js';
import { KUBERNETES_VERSION, STAGES, type Stage } from './schema/index.js';
import { validateTargets } from './validate.js';

export const USAGE = `Usage: npm run validate -- [PATH...] [--json] [--stages LIST] [--skip-kinds LIST] [--schema-location LOC]... [--help]

Renders each target, then checks every object in up to three stages, then runs the policy checks:
  embedded     offline: Kubernetes ${KUBERNETES_VERSION} models, strict, plus the Argo CD, Flux and External Secrets kinds
  kubeconform  the real kubeconform -strict, with schemas generated from the pinned API server and CRDs
  server       the real kube-apiserver: server-side apply as a dry run with strict field validation, and a
               Pod from every pod template, in namespaces enforcing Pod Security "restricted"
By default every stage whose tools are built runs (all three after \`npm run tools\`; embedded alone without).

PATH   a kustomization directory (rendered with \`kustomize build\`, or \`kubectl kustomize\`)
       or a YAML file (several documents allowed). Without PATH: every kustomization under
       overlays/, and every file (or kustomization) under gitops/argocd and gitops/flux.

--json              print the report as one JSON document
--stages LIST       comma-separated stages to run, e.g. embedded or embedded,kubeconform,server
--skip-kinds LIST   comma-separated kinds no stage has a schema for (another project's CRDs), as Kind
                    or apiVersion/Kind, e.g. ServiceMonitor or cert-manager.io/v1/Certificate. The
                    schema stages skip them; the policies still see them.
--schema-location   kubeconform schema location (repeatable), instead of the generated schemas
--help              show this help

Exit status: 0 when every target is valid, 1 on any error, 2 on bad usage.
`;

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Runs the command line; returns the exit status. */
export async function main(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'schema-location': { type: 'string', multiple: true },
        stages: { type: 'string' },
        'skip-kinds': { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const locations = parsed.values['schema-location'];
  const stages = list(parsed.values.stages);
  const unknown = stages?.filter((stage) => !(STAGES as readonly string[]).includes(stage)) ?? [];
  if (unknown.length > 0 || stages?.length === 0) {
    process.stderr.write(`--stages: expected a comma-separated list of ${STAGES.join(', ')}, got "${parsed.values.stages}"\n\n${USAGE}`);
    return 2;
  }
  const skipKinds = list(parsed.values['skip-kinds']);
  let report;
  try {
    report = await validateTargets(parsed.positionals, {
      cwd,
      ...(locations ? { schemaLocations: locations } : {}),
      ...(stages ? { stages: stages as Stage[] } : {}),
      ...(skipKinds ? { skipKinds } : {}),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
  } catch (error) {
    process.stderr.write(`validate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(parsed.values.json ? formatReportJson(report) : formatReport(report));
  return report.ok ? 0 : 1;
}
