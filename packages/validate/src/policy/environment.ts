import { sep } from 'node:path';
import { annotationsOf, type KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding } from './types.js';

export const ENVIRONMENT_ANNOTATION = 'mysqlha.io/environment';
export const ENVIRONMENTS: readonly string[] = ['dev', 'staging', 'prod'];

export interface Environment {
  readonly name?: string;
  readonly findings: Finding[];
}

/**
 * The environment comes from the annotation the overlays set on every object, else from an
 * `overlays/<env>` path segment. Objects that disagree are an error: one render is one environment.
 */
export function detectEnvironment(objects: readonly KubeObject[], targetPath: string): Environment {
  let name: string | undefined;
  const findings: Finding[] = [];
  for (const object of objects) {
    const value = annotationsOf(object)[ENVIRONMENT_ANNOTATION];
    if (typeof value !== 'string') continue;
    if (name === undefined) {
      name = value;
      if (!ENVIRONMENTS.includes(value)) {
        // A misspelt environment would silently switch off the prod and dev rules.
        findings.push(finding('environment', object, ['metadata', 'annotations', ENVIRONMENT_ANNOTATION], `"${value}" is not one of ${ENVIRONMENTS.join(', ')}`));
      }
    } else if (value !== name) {
      findings.push(finding('environment', object, ['metadata', 'annotations', ENVIRONMENT_ANNOTATION], `says "${value}" but other objects say "${name}"`));
    }
  }
  if (name !== undefined) return { name, findings };
  const segments = targetPath.split(sep);
  const at = segments.lastIndexOf('overlays');
  const fromPath = at >= 0 ? segments[at + 1] : undefined;
  return { name: fromPath !== undefined && ENVIRONMENTS.includes(fromPath) ? fromPath : undefined, findings };
}
