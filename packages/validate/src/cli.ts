import { parseArgs } from 'node:util';
import { formatReport, formatReportJson } from './report/format.js';
import { DEFAULT_SCHEMA_LOCATIONS, KUBERNETES_VERSION } from './schema/index.js';
import { validateTargets } from './validate.js';

export const USAGE = `Usage: npm run validate -- [PATH...] [--json] [--schema-location URL]... [--help]

Renders each target, validates every object strictly against the Kubernetes ${KUBERNETES_VERSION} schemas
(and the Argo CD, Flux and External Secrets CRDs), then runs the policy checks.

PATH   a kustomization directory (rendered with \`kustomize build\`, or \`kubectl kustomize\`)
       or a YAML file (several documents allowed). Without PATH: every kustomization under
       overlays/, and every file (or kustomization) under gitops/argocd and gitops/flux.

--json              print the report as one JSON document
--schema-location   kubeconform schema location (repeatable); used only when kubeconform is on
                    PATH. Default: ${DEFAULT_SCHEMA_LOCATIONS.join(' and ')}
--help              show this help

Without kubeconform on PATH the embedded validator (kubernetes-models and the model field lists
of @kubernetes/client-node) gives the same verdict offline.
Exit status: 0 when every target is valid, 1 on any error, 2 on bad usage.
`;

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
      },
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
  const report = await validateTargets(parsed.positionals, {
    cwd,
    ...(locations ? { schemaLocations: locations } : {}),
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write(parsed.values.json ? formatReportJson(report) : formatReport(report));
  return report.ok ? 0 : 1;
}
