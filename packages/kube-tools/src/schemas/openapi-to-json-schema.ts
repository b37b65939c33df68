/**
 * Turns the API server's OpenAPI v2 document into the stand-alone, strict JSON schemas kubeconform reads, one
 * file per kind: every $ref inlined, every object closed (additionalProperties false) unless the API says it
 * keeps unknown fields, optional fields nullable, int-or-string as either, apiVersion and kind fixed.
 * This is the shape openapi2jsonschema --expanded --kubernetes --stand-alone --strict gives.
 */

type Schema = Record<string, unknown>;

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface KindSchema {
  readonly gvk: GroupVersionKind;
  /** kubeconform's file name: `<kind lower>[-<first label of group>]-<version>.json`. */
  readonly file: string;
  readonly schema: Schema;
}

const REF = '#/definitions/';

/**
 * Quantity is published as a string, but the API server decodes JSON numbers into it too (`cpu: 0.5`), as
 * kubectl users rely on: either is accepted, as in the schemas kubeconform users know.
 */
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function isRecord(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function kubeconformFileName(gvk: GroupVersionKind): string {
  const group = gvk.group === '' ? '' : `-${gvk.group.split('.')[0]}`;
  return `${gvk.kind.toLowerCase()}${group}-${gvk.version}.json`;
}

/** Adds "null" to an optional field's type, as Kubernetes' decoders accept null for an omitted field. */
function nullable(schema: Schema): Schema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return schema;
}

class Expander {
  constructor(private readonly definitions: Readonly<Record<string, Schema>>) {}

  expand(schema: Schema, stack: readonly string[]): Schema {
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith(REF)) {
      const name = ref.slice(REF.length);
      if (name === QUANTITY) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
      const target = this.definitions[name];
      // A recursive type (JSONSchemaProps) stays open below its first occurrence rather than expanding forever.
      if (!target || stack.includes(name)) return {};
      const { $ref: _ignored, ...rest } = schema;
      return { ...this.expand(target, [...stack, name]), ...rest };
    }
    if (schema.format === 'int-or-string') {
      const { format: _format, type: _type, ...rest } = schema;
      return { ...rest, oneOf: [{ type: 'string' }, { type: 'integer' }] };
    }
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
      // Prose is for people reading the API; a validator never uses it, and it is most of every file.
      if (key === 'description') continue;
      if (key === 'properties' && isRecord(value)) {
        const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
        out.properties = Object.fromEntries(
          Object.entries(value).map(([name, property]) => {
            const expanded = this.expand(property as Schema, stack);
            return [name, required.has(name) ? expanded : nullable(expanded)];
          }),
        );
      } else if ((key === 'items' || key === 'additionalProperties') && isRecord(value)) {
        out[key] = this.expand(value, stack);
      } else if ((key === 'allOf' || key === 'oneOf' || key === 'anyOf') && Array.isArray(value)) {
        out[key] = value.map((item) => (isRecord(item) ? this.expand(item, stack) : item));
      } else {
        out[key] = value;
      }
    }
    if (isRecord(out.properties) && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
    return out;
  }
}

function pinApiVersionAndKind(schema: Schema, gvk: GroupVersionKind): Schema {
  const properties = isRecord(schema.properties) ? { ...schema.properties } : {};
  const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
  properties.apiVersion = { ...(properties.apiVersion as Schema | undefined), type: ['string', 'null'], enum: [apiVersion] };
  properties.kind = { ...(properties.kind as Schema | undefined), type: ['string', 'null'], enum: [gvk.kind] };
  return { ...schema, properties };
}

/** Every kind the document describes (List and watch wrappers excluded), expanded for kubeconform. */
export function kindSchemas(document: unknown): KindSchema[] {
  const definitions = (isRecord(document) && isRecord(document.definitions) ? document.definitions : {}) as Record<string, Schema>;
  const expander = new Expander(definitions);
  const out: KindSchema[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const gvk of gvks as GroupVersionKind[]) {
      if (gvk.kind.endsWith('List') || gvk.kind === 'WatchEvent' || gvk.kind === 'DeleteOptions' || gvk.kind === 'Status') continue;
      const schema = pinApiVersionAndKind(expander.expand(definition, [name]), gvk);
      out.push({ gvk, file: kubeconformFileName(gvk), schema: { $schema: 'http://json-schema.org/schema#', ...schema } });
    }
  }
  return out;
}
