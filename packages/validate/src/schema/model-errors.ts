import { formatPath, pointerToSegments } from '../report/path.js';

/** The parts of an ajv error that kubernetes-models' compiled validators fill in. */
export interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

export interface SchemaError {
  readonly rule: 'schema/type' | 'schema/required' | 'schema/enum' | 'schema/format' | 'schema/invalid' | 'schema/unknown-field';
  readonly path: string;
  readonly message: string;
}

/**
 * Turns ajv errors into one error per field. Int-or-string and quantity fields are `oneOf`
 * schemas, so ajv reports every failed branch; those are folded into a single message.
 */
export function toSchemaErrors(errors: readonly AjvError[], data: unknown): SchemaError[] {
  const byPath = new Map<string, AjvError[]>();
  for (const error of errors) {
    const group = byPath.get(error.instancePath) ?? [];
    group.push(error);
    byPath.set(error.instancePath, group);
  }
  const out: SchemaError[] = [];
  for (const [pointer, all] of byPath) {
    const segments = pointerToSegments(pointer);
    const path = formatPath(segments);
    const value = valueAt(data, segments);
    const group = all.filter((error) => !(error.keyword === 'format' && error.params.format === 'byte' && serverDecodes(value)));
    if (group.length === 0) continue;
    // A Secret's values are never echoed, whatever is wrong with them.
    const shown = isSecretValue(data, segments) ? SECRET : value;
    if (group.some((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf')) {
      out.push(alternatives(group, path, shown));
      continue;
    }
    for (const error of group) out.push(single(error, path, shown));
  }
  return out;
}

function single(error: AjvError, path: string, value: unknown): SchemaError {
  switch (error.keyword) {
    case 'required': {
      const missing = String(error.params.missingProperty);
      return { rule: 'schema/required', path: path === '' ? missing : `${path}.${missing}`, message: 'required field is missing' };
    }
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      return { rule: 'schema/unknown-field', path: path === '' ? field : `${path}.${field}`, message: `unknown field "${field}"` };
    }
    case 'type':
      return { rule: 'schema/type', path, message: `must be ${typeList(error.params.type)}, got ${describe(value)}` };
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[] | undefined) ?? [];
      return { rule: 'schema/enum', path, message: `${shownValue(value)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    case 'format':
      return { rule: 'schema/format', path, message: `${shownValue(value)} is not a valid ${String(error.params.format)}` };
    default:
      return { rule: 'schema/invalid', path, message: error.message ?? error.keyword };
  }
}

function alternatives(group: readonly AjvError[], path: string, value: unknown): SchemaError {
  const formats = group.filter((error) => error.keyword === 'format').map((error) => String(error.params.format));
  if (formats.length > 0) {
    return { rule: 'schema/format', path, message: `${shownValue(value)} is not a valid ${formats.join(' or ')}` };
  }
  const types = [...new Set(group.filter((error) => error.keyword === 'type').map((error) => String(error.params.type)))];
  if (types.length > 0) {
    return { rule: 'schema/type', path, message: `must be ${types.map(article).join(' or ')}, got ${describe(value)}` };
  }
  const first = group.find((error) => error.keyword !== 'oneOf' && error.keyword !== 'anyOf') ?? group[0];
  return first ? single(first, path, value) : { rule: 'schema/invalid', path, message: 'invalid value' };
}

/** JSON schemas from the API server allow null for optional fields: that alternative is not worth naming. */
function typeList(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String).filter((name) => name !== 'null');
  return types.map(article).join(' or ');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function shownValue(value: unknown): string {
  return value === SECRET ? 'the value (not shown: a Secret\'s)' : JSON.stringify(value);
}

/** Stands for a value that must not appear in a message. */
const SECRET = Symbol('secret value');

function isSecretValue(data: unknown, segments: readonly (string | number)[]): boolean {
  return (data as { kind?: unknown } | null)?.kind === 'Secret' && (segments[0] === 'data' || segments[0] === 'stringData') && segments.length > 1;
}

function describe(value: unknown): string {
  if (value === SECRET) return 'a value (not shown: a Secret\'s)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * What the API server decodes as bytes: base64 whose lines may be broken, as kustomize's secretGenerator writes
 * long values (Go's decoder skips CR and LF), where the models' `byte` format wants one unbroken line.
 */
function serverDecodes(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const joined = value.replace(/[\r\n]/g, '');
  return joined.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(joined);
}
