import { isRecord } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import { pointerToSegments } from '../report/path.js';
import type { FieldType } from './field-type.js';
import type { AjvError } from './model-errors.js';
import type { ModelClass } from './registry.js';

/**
 * The client-node field lists describe a newer Kubernetes (1.36) than the one we target (1.33).
 * kubernetes-models knows exactly the 1.33 fields but ignores unknown ones; it does type-check
 * every field it knows, so a known field set to a value of no JSON type (a function: not null,
 * which optional fields accept) always fails there. Replacing the fields of one depth at a time and
 * seeing which ones the 1.33 validator does not complain about finds the fields that only a later
 * release has.
 */
export function fieldsNewerThanModel(object: Record<string, unknown>, type: FieldType, model: ModelClass): PathSegment[][] {
  const byDepth: PathSegment[][][] = [];
  collectTypedFields(object, type, [], byDepth);
  const newer: PathSegment[][] = [];
  const key = (path: readonly PathSegment[]) => path.join('\u0000');
  const reported = new Set<string>();
  // Below a field 1.33 does not know, every field is unknown too: report the outermost only.
  const underReported = (path: readonly PathSegment[]) => path.some((_, index) => index > 0 && reported.has(key(path.slice(0, index))));
  for (const depth of byDepth) {
    const paths = (depth ?? []).filter((path) => !underReported(path));
    if (paths.length === 0) continue;
    const probe = structuredClone(object);
    for (const path of paths) setProbe(probe, path);
    const complained = new Set(errorsOf(model, probe).map((error) => key(pointerToSegments(error.instancePath))));
    for (const path of paths) {
      if (complained.has(key(path))) continue;
      newer.push(path);
      reported.add(key(path));
    }
  }
  return newer;
}

/** Fields of objects (not map entries) whose declared type is structured or scalar, grouped by depth. */
function collectTypedFields(value: unknown, type: FieldType, path: PathSegment[], byDepth: PathSegment[][][]): void {
  if (type.type === 'array') {
    if (Array.isArray(value)) value.forEach((item, index) => collectTypedFields(item, type.items, [...path, index], byDepth));
    return;
  }
  if (type.type === 'map') {
    if (isRecord(value)) for (const [key, item] of Object.entries(value)) collectTypedFields(item, type.values, [...path, key], byDepth);
    return;
  }
  if (type.type !== 'object' || !isRecord(value)) return;
  const fields = type.fields();
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (!fieldType || fieldType.type === 'open' || item === null) continue;
    const fieldPath = [...path, key];
    (byDepth[fieldPath.length] ??= []).push(fieldPath);
    collectTypedFields(item, fieldType, fieldPath, byDepth);
  }
}

const PROBE = (): void => undefined;

function setProbe(root: Record<string, unknown>, path: readonly PathSegment[]): void {
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) parent = (parent as Record<PathSegment, unknown>)[segment];
  (parent as Record<PathSegment, unknown>)[path[path.length - 1] as PathSegment] = PROBE;
}

function errorsOf(model: ModelClass, data: Record<string, unknown>): AjvError[] {
  try {
    new model(data).validate();
    return [];
  } catch (error) {
    return (error as { errors?: AjvError[] }).errors ?? [];
  }
}
