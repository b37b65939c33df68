import { isRecord } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import type { FieldType } from './field-type.js';

export interface UnknownField {
  readonly path: PathSegment[];
  readonly field: string;
  readonly known: readonly string[];
}

/** Every field of `value` that its type does not declare. Values of the wrong shape are left to the type check. */
export function findUnknownFields(value: unknown, type: FieldType, path: PathSegment[] = []): UnknownField[] {
  const found: UnknownField[] = [];
  walk(value, type, path, found);
  return found;
}

function walk(value: unknown, type: FieldType, path: PathSegment[], found: UnknownField[]): void {
  switch (type.type) {
    case 'open':
    case 'scalar':
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((item, index) => walk(item, type.items, [...path, index], found));
      return;
    case 'map':
      if (isRecord(value)) for (const [key, item] of Object.entries(value)) walk(item, type.values, [...path, key], found);
      return;
    case 'object': {
      if (!isRecord(value)) return;
      const fields = type.fields();
      for (const [key, item] of Object.entries(value)) {
        const fieldType = fields.get(key);
        if (fieldType) walk(item, fieldType, [...path, key], found);
        else found.push({ path, field: key, known: [...fields.keys()] });
      }
    }
  }
}
