import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { EMBEDDED_SCHEMAS_DIR } from './served.js';

/**
 * Custom resources are checked against the same strict JSON schemas kubeconform reads, generated from the
 * pinned CRDs by `npm run tools` and committed under packages/validate/schemas/crds.
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goPattern } });

/**
 * CRD patterns are Go (RE2) regular expressions, which JavaScript reads alike but for leading inline flags:
 * prometheus-operator writes `^(?i)(abort|warn)?$`. Those become flags of the JavaScript RegExp.
 */
function goPattern(pattern: string, flags: string): RegExp {
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
  if (!inline) return new RegExp(pattern, flags);
  const extra = [...inline[2]!].filter((flag) => flag !== 'U' && !flags.includes(flag)).join('');
  return new RegExp(inline[1]! + pattern.slice(inline[0].length), flags + extra);
}
goPattern.code = 'new RegExp';
const compiled = new Map<string, ValidateFunction | undefined>();

/** kubeconform's file name for a kind: `<kind>-<first label of group>-<version>.json`. */
function fileOf(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.split('/');
  if (!group || !version) return undefined;
  return `${kind.toLowerCase()}-${group.split('.')[0]}-${version}.json`;
}

/** The compiled schema of a custom resource kind, or undefined when the embedded set does not carry it. */
export function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const file = fileOf(apiVersion, kind);
  if (!file) return undefined;
  if (!compiled.has(file)) {
    const path = `${EMBEDDED_SCHEMAS_DIR}crds/${file}`;
    compiled.set(file, existsSync(path) ? ajv.compile(JSON.parse(readFileSync(path, 'utf8')) as object) : undefined);
  }
  return compiled.get(file);
}
