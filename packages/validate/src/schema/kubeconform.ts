import { execFile } from 'node:child_process';
import { formatPath, pointerToSegments } from '../report/path.js';
import type { Finding } from '../report/types.js';

export interface KubeconformRun {
  /** -kubernetes-version: names the schema folder (`v<version>-standalone-strict`). */
  readonly version: string;
  /** -schema-location, each tried in order: a folder of generated schemas, or a URL template. */
  readonly locations: readonly string[];
  /** -skip: kinds the user has no schema for. */
  readonly skipKinds: readonly string[];
}

interface KubeconformResource {
  readonly kind?: string;
  readonly name?: string;
  readonly status?: string;
  readonly msg?: string;
  readonly validationErrors?: readonly { readonly path?: string; readonly msg?: string }[];
}

export function kubeconformArgs(run: KubeconformRun): string[] {
  const args = ['-strict', '-summary', '-output', 'json', '-kubernetes-version', run.version];
  for (const location of run.locations) args.push('-schema-location', location);
  if (run.skipKinds.length > 0) args.push('-skip', run.skipKinds.join(','));
  return [...args, '-'];
}

/** Runs kubeconform on a YAML stream (stdin) and maps its results to findings. */
export function runKubeconform(executable: string, yaml: string, run: KubeconformRun): Promise<Finding[]> {
  return new Promise((resolve) => {
    const child = execFile(executable, kubeconformArgs(run), { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
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
    return [{ ...where, rule: 'kubeconform/unknown-kind', path: 'apiVersion', message }];
  }
  const errors = resource.validationErrors ?? [];
  if (errors.length === 0) return [{ ...where, rule: 'kubeconform/invalid', message }];
  return errors.flatMap((error) => classify(formatPath(pointerToSegments(error.path ?? '')), error.msg ?? '').map((found) => ({ ...where, ...found })));
}

/** kubeconform's messages come from its JSON-schema library; the wording maps onto our error classes. */
function classify(path: string, message: string): { rule: string; path: string; message: string }[] {
  const join = (field: string) => (path === '' ? field : `${path}.${field}`);
  const names = (text: string) => [...text.matchAll(/'([^']*)'/g)].map((match) => match[1] ?? '');
  const additional = /^additional ?properties (.*) not allowed$/i.exec(message);
  if (additional?.[1]) return names(additional[1]).map((field) => ({ rule: 'kubeconform/unknown-field', path: join(field), message: `unknown field "${field}"` }));
  const missing = /^missing propert(?:y|ies):? (.*)$/i.exec(message);
  if (missing?.[1]) return names(missing[1]).map((field) => ({ rule: 'kubeconform/required', path: join(field), message: 'required field is missing' }));
  if (/^expected .* but got /i.test(message)) return [{ rule: 'kubeconform/type', path, message }];
  const got = /^got (\S+), want (.+)$/.exec(message);
  if (got) return [{ rule: 'kubeconform/type', path, message: `must be ${got[2]}, got ${got[1]}` }];
  if (/^value must be one of/i.test(message)) return [{ rule: 'kubeconform/enum', path, message }];
  if (/is not valid '/i.test(message)) return [{ rule: 'kubeconform/format', path, message }];
  return [{ rule: 'kubeconform/invalid', path, message }];
}
