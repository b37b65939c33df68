import { parseAllDocuments } from 'yaml';
import type { Finding } from '../report/types.js';
import { isRecord, type KubeObject } from '../objects.js';

export interface Parsed {
  readonly objects: KubeObject[];
  readonly errors: Finding[];
}

/**
 * Parses a multi-document YAML stream the way kubectl and kubeconform read it: YAML 1.1 (go-yaml v2 under
 * sigs.k8s.io/yaml), so `yes`/`no`/`on`/`off` are booleans and `<<` merge keys work. `List` objects are
 * flattened the way kubectl does.
 */
export function parseObjects(text: string): Parsed {
  const objects: KubeObject[] = [];
  const errors: Finding[] = [];
  parseAllDocuments(text, { version: '1.1', merge: true }).forEach((document, index) => {
    const [error] = document.errors;
    if (error) {
      // Later errors in a broken document are mostly echoes of the first.
      errors.push({ rule: 'yaml', message: `document ${index + 1}: ${error.message.split('\n')[0]}` });
      return;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      errors.push({ rule: 'yaml', message: `document ${index + 1} is not a mapping (a Kubernetes object)` });
      return;
    }
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) if (isRecord(item)) objects.push(item);
      return;
    }
    objects.push(value);
  });
  return { objects, errors };
}
