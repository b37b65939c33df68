import { execFile } from 'node:child_process';
import { formatPath, pointerToSegments } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { KUBERNETES_VERSION } from './version.js';

/**
 * Schema locations handed to kubeconform: its default (the Kubernetes JSON schemas) and the
 * community CRD catalog, which has Argo CD, Flux and External Secrets schemas under
 * `<group>/<kind>_<version>.json`.
 */
export const DEFAULT_SCHEMA_LOCATIONS: readonly string[] = [
  'default',
  'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json',
];

interface KubeconformResource {
  readonly kind?: string;
  readonly name?: string;
  readonly status?: string;
  readonly msg?: string;
  readonly validationErrors?: readonly { readonly path?: string; readonly msg?: string }[];
}

export function kubeconformArgs(schemaLocations: readonly string[]): string[] {
  const args = ['-strict', '-summary', '-output', 'json', '-kubernetes-version', KUBERNETES_VERSION];
  for (const location of schemaLocations) args.push('-schema-location', location);
  return [...args, '-'];
}

/** Runs kubeconform on a YAML stream (stdin) and maps its results to findings. */
export function runKubeconform(executable: string, yaml: string, schemaLocations: readonly string[]): Promise<Finding[]> {
  return new Promise((resolve) => {
    const child = execFile(executable, kubeconformArgs(schemaLocations), { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      let parsed: { resources?: KubeconformResource[] };
      try {
        parsed = JSON.parse(stdout) as { resources?: KubeconformResource[] };
      } catch {
        const detail = stderr.trim() || error?.message || 'no output';
        resolve([{ rule: 'kubeconform', message: `kubeconform did not print JSON results: ${detail}` }]);
        return;
      }
      resolve((parsed.resources ?? []).flatMap(toFindings));
    });
    child.stdin?.end(yaml);
  });
}

function toFindings(resource: KubeconformResource): Finding[] {
  const status = (resource.status ?? '').toLowerCase();
  if (!status.includes('invalid') && !status.includes('error')) return [];
  const where = { kind: resource.kind ?? '<no kind>', name: resource.name ?? '<no name>' };
  const message = resource.msg ?? '';
  if (/could not find schema/i.test(message)) {
    return [{ ...where, rule: 'schema/unknown-kind', path: 'apiVersion', message }];
  }
  const errors = resource.validationErrors ?? [];
  if (errors.length === 0) return [{ ...where, rule: 'schema/invalid', message }];
  return errors.flatMap((error) => classify(formatPath(pointerToSegments(error.path ?? '')), error.msg ?? '').map((found) => ({ ...where, ...found })));
}

/** kubeconform's messages come from its JSON-schema library; the wording maps onto our error classes. */
function classify(path: string, message: string): { rule: string; path: string; message: string }[] {
  const join = (field: string) => (path === '' ? field : `${path}.${field}`);
  const names = (text: string) => [...text.matchAll(/'([^']*)'/g)].map((match) => match[1] ?? '');
  const additional = /^additional ?properties (.*) not allowed$/i.exec(message);
  if (additional?.[1]) return names(additional[1]).map((field) => ({ rule: 'schema/unknown-field', path: join(field), message: `unknown field "${field}"` }));
  const missing = /^missing propert(?:y|ies):? (.*)$/i.exec(message);
  if (missing?.[1]) return names(missing[1]).map((field) => ({ rule: 'schema/required', path: join(field), message: 'required field is missing' }));
  if (/^expected .* but got /i.test(message)) return [{ rule: 'schema/type', path, message }];
  if (/^value must be one of/i.test(message)) return [{ rule: 'schema/enum', path, message }];
  if (/is not valid '/i.test(message)) return [{ rule: 'schema/format', path, message }];
  return [{ rule: 'schema/invalid', path, message }];
}
