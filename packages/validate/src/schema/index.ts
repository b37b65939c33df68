import type { KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { which } from '../render/which.js';
import { validateEmbedded } from './embedded.js';
import { DEFAULT_SCHEMA_LOCATIONS, runKubeconform } from './kubeconform.js';

export { DEFAULT_SCHEMA_LOCATIONS } from './kubeconform.js';
export { KUBERNETES_VERSION } from './version.js';

export interface SchemaOptions {
  /** `auto` (default) uses kubeconform when it is on PATH, else the embedded validator. */
  readonly schemaValidator?: 'auto' | 'embedded' | 'kubeconform';
  readonly schemaLocations?: readonly string[];
}

export function chooseSchemaValidator(options: SchemaOptions): { name: 'embedded' } | { name: 'kubeconform'; executable: string } {
  const wanted = options.schemaValidator ?? 'auto';
  if (wanted === 'embedded') return { name: 'embedded' };
  const executable = which('kubeconform');
  if (executable) return { name: 'kubeconform', executable };
  if (wanted === 'kubeconform') throw new Error('kubeconform was requested but is not on PATH');
  return { name: 'embedded' };
}

export async function checkSchemas(objects: readonly KubeObject[], yaml: string, options: SchemaOptions): Promise<Finding[]> {
  const validator = chooseSchemaValidator(options);
  if (validator.name === 'kubeconform') {
    return runKubeconform(validator.executable, yaml, options.schemaLocations ?? DEFAULT_SCHEMA_LOCATIONS);
  }
  const results = await Promise.all(objects.map(validateEmbedded));
  return results.flat();
}
