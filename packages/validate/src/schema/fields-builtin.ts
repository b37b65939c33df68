import * as models from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { OPEN, SCALAR, type FieldType } from './field-type.js';
import { splitApiVersion } from './registry.js';

/**
 * Field lists of built-in kinds from @kubernetes/client-node: every model class carries an
 * `attributeTypeMap` naming each JSON field and its type. Imported from the models module
 * directly because the package root also loads the HTTP and auth stacks, which triples start-up time.
 */
interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelCtor = { readonly attributeTypeMap?: readonly Attribute[] };

const registry = models as unknown as Record<string, ModelCtor | undefined>;
const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'IntOrString']);
const cache = new Map<string, FieldType>();

/** The client-node class for apiVersion/kind: group-qualified names (CoreV1Event) win over plain ones (V1Event). */
export function builtinFieldType(apiVersion: string, kind: string): FieldType | undefined {
  const parts = splitApiVersion(apiVersion);
  if (!parts) return undefined;
  const version = capitalize(parts.version);
  const group = capitalize(parts.group === '' ? 'core' : (parts.group.split('.')[0] ?? ''));
  for (const name of [`${group}${version}${kind}`, `${version}${kind}`]) {
    if (registry[name]?.attributeTypeMap) return typeFromName(name);
  }
  return undefined;
}

function typeFromName(name: string): FieldType {
  const cached = cache.get(name);
  if (cached) return cached;
  const type = parse(name);
  cache.set(name, type);
  return type;
}

function parse(name: string): FieldType {
  const array = /^Array<(.+)>$/.exec(name);
  if (array?.[1]) return { type: 'array', items: typeFromName(array[1]) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(name);
  if (map?.[1]) return { type: 'map', values: typeFromName(map[1]) };
  if (SCALARS.has(name)) return SCALAR;
  const attributes = registry[name]?.attributeTypeMap;
  if (!attributes) return OPEN;
  let fields: Map<string, FieldType> | undefined;
  return {
    type: 'object',
    fields: () => (fields ??= new Map(attributes.map((attribute) => [attribute.baseName, typeFromName(attribute.type)]))),
  };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** ObjectMeta, shared by custom resources whose declarations import it. */
export function objectMetaFieldType(): FieldType {
  return typeFromName('V1ObjectMeta');
}
