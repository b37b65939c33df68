import { parseAllDocuments } from 'yaml';
import type { Finding } from '../report/types.js';
import { isRecord, type KubeObject } from '../objects.js';

export interface Parsed {
  readonly objects: KubeObject[];
  readonly errors: Finding[];
}

/** Parses a multi-document YAML stream; `List` objects are flattened the way kubectl does. */
export function parseObjects(text: string, source: string): Parsed {
  const objects: KubeObject[] = [];
  const errors: Finding[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        errors.push({ rule: 'yaml', message: `${source}: document ${index + 1}: ${error.message.split('\n')[0]}` });
      }
      return;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      errors.push({ rule: 'yaml', message: `${source}: document ${index + 1} is not a mapping (a Kubernetes object)` });
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
