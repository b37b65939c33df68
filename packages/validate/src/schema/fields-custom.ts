import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OPEN, SCALAR, type FieldType } from './field-type.js';
import { objectMetaFieldType } from './fields-builtin.js';

/**
 * Field lists of custom resources. The CRD model packages ship compiled validators that ignore
 * unknown fields and no JSON schema, but their type declarations are generated from the same CRD
 * schema: every declared property, nested objects inline, `{}` where the CRD preserves unknown
 * fields. Parsing `I<Kind>` from the .d.ts with the TypeScript parser recovers the field tree.
 * The parser is loaded only when a custom resource is validated.
 */
type TS = typeof import('typescript');
type TypeNode = import('typescript').TypeNode;

const require = createRequire(import.meta.url);
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
  const ts = (await import('typescript')).default;
  const file = require.resolve(specifier).replace(/\.js$/, '.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const declaration = source.statements.find(
    (statement): statement is import('typescript').InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === `I${kind}`,
  );
  if (!declaration) return undefined;
  return objectOf(ts, declaration.members);
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
