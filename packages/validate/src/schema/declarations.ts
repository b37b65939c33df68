import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OPEN, SCALAR, type FieldType } from './field-type.js';
import { objectMetaFieldType } from './fields-builtin.js';

/**
 * The CRD model packages ship compiled validators that ignore unknown fields, and no JSON schema;
 * their type declarations are generated from the same CRD schema: every declared property, nested
 * objects inline, `{}` where the CRD preserves unknown fields. Parsing `I<Kind>` from the .d.ts
 * with the TypeScript parser recovers the field tree.
 */
type TS = typeof import('typescript');
type TypeNode = import('typescript').TypeNode;

const require = createRequire(import.meta.url);

export function declarationFile(specifier: string): string {
  return require.resolve(specifier).replace(/\.js$/, '.d.ts');
}

export function parseDeclaration(ts: TS, file: string, kind: string): FieldType | undefined {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const declaration = source.statements.find(
    (statement): statement is import('typescript').InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === `I${kind}`,
  );
  return declaration ? objectOf(ts, declaration.members) : undefined;
}

function objectOf(ts: TS, members: import('typescript').NodeArray<import('typescript').TypeElement>): FieldType {
  if (members.length === 0) return OPEN;
  const index = members.find(ts.isIndexSignatureDeclaration);
  if (index) return { type: 'map', values: convert(ts, index.type) };
  const fields = new Map<string, FieldType>();
  for (const member of members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = ts.isStringLiteral(member.name) || ts.isIdentifier(member.name) ? member.name.text : undefined;
    if (name !== undefined) fields.set(name, convert(ts, member.type));
  }
  return { type: 'object', fields: () => fields };
}

function convert(ts: TS, node: TypeNode): FieldType {
  if (ts.isTypeLiteralNode(node)) return objectOf(ts, node.members);
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: convert(ts, node.elementType) };
  if (ts.isParenthesizedTypeNode(node)) return convert(ts, node.type);
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const argument = node.typeArguments?.[0];
    if (node.typeName.text === 'Array' && argument) return { type: 'array', items: convert(ts, argument) };
    if (node.typeName.text === 'IObjectMeta') return objectMetaFieldType();
  }
  if (ts.isUnionTypeNode(node)) {
    const members = node.types.map((member) => convert(ts, member));
    const structured = members.filter((type) => type.type !== 'scalar');
    if (structured.length === 0) return SCALAR;
    if (structured.length === 1 && structured[0]) return structured[0];
    return OPEN;
  }
  const scalar = [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword, ts.SyntaxKind.LiteralType];
  return scalar.includes(node.kind) ? SCALAR : OPEN;
}

/** JSON form of a field tree, written at build time so that validation needs no TypeScript parser. */
export type SerializedFieldType = 'scalar' | 'open' | 'ObjectMeta' | { o: Record<string, SerializedFieldType> } | { a: SerializedFieldType } | { m: SerializedFieldType };

export function serializeFieldType(type: FieldType): SerializedFieldType {
  switch (type.type) {
    case 'scalar':
    case 'open':
      return type.type;
    case 'array':
      return { a: serializeFieldType(type.items) };
    case 'map':
      return { m: serializeFieldType(type.values) };
    case 'object':
      if (type === objectMetaFieldType()) return 'ObjectMeta';
      return { o: Object.fromEntries([...type.fields()].map(([name, field]) => [name, serializeFieldType(field)])) };
  }
}

export function deserializeFieldType(json: SerializedFieldType): FieldType {
  if (json === 'scalar') return SCALAR;
  if (json === 'open') return OPEN;
  if (json === 'ObjectMeta') return objectMetaFieldType();
  if ('a' in json) return { type: 'array', items: deserializeFieldType(json.a) };
  if ('m' in json) return { type: 'map', values: deserializeFieldType(json.m) };
  const fields = new Map(Object.entries(json.o).map(([name, field]) => [name, deserializeFieldType(field)]));
  return { type: 'object', fields: () => fields };
}
