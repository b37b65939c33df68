import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FieldType } from './field-type.js';
import { declarationFile, deserializeFieldType, parseDeclaration, type SerializedFieldType } from './declarations.js';

/**
 * Field lists of custom resources, from their model packages' type declarations. The build writes
 * them as JSON beside the compiled code (loading the TypeScript parser costs more than the whole
 * validation); running from source, the declarations are parsed on first use instead.
 */
export const PREBUILT_DIR = fileURLToPath(new URL('../custom-fields/', import.meta.url));

export function prebuiltFile(specifier: string): string {
  return `${PREBUILT_DIR}${specifier.replace(/[^\w.-]+/g, '_')}.json`;
}

const cache = new Map<string, Promise<FieldType | undefined>>();

export function customFieldType(specifier: string, kind: string): Promise<FieldType | undefined> {
  let found = cache.get(specifier);
  if (!found) {
    found = load(specifier, kind);
    cache.set(specifier, found);
  }
  return found;
}

async function load(specifier: string, kind: string): Promise<FieldType | undefined> {
  const prebuilt = prebuiltFile(specifier);
  if (existsSync(prebuilt)) return deserializeFieldType(JSON.parse(readFileSync(prebuilt, 'utf8')) as SerializedFieldType);
  const ts = (await import('typescript')).default;
  return parseDeclaration(ts, declarationFile(specifier), kind);
}
