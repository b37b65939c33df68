import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { declarationFile, deserializeFieldType, parseDeclaration, serializeFieldType } from '../src/schema/declarations.js';
import { findUnknownFields } from '../src/schema/unknown-fields.js';
import { FIXTURES } from './helpers.js';

describe('custom resource field lists written at build time', () => {
  it('give the same unknown fields after a JSON round trip as parsed from the declarations', () => {
    const objects = parseAllDocuments(readFileSync(join(FIXTURES, 'schema/crd-unknown-field.yaml'), 'utf8')).map((doc) => doc.toJS() as Record<string, unknown>);
    const specifiers: Record<string, string> = {
      Kustomization: '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization',
      Application: '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application',
      ExternalSecret: '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret',
    };
    for (const object of objects) {
      const kind = String(object.kind);
      const parsed = parseDeclaration(ts, declarationFile(specifiers[kind] ?? ''), kind);
      if (!parsed) throw new Error(`no declaration for ${kind}`);
      const restored = deserializeFieldType(JSON.parse(JSON.stringify(serializeFieldType(parsed))));
      const direct = findUnknownFields(object, parsed).map((found) => found.field);
      expect(direct).toHaveLength(kind === 'Application' ? 2 : 1);
      expect(findUnknownFields(object, restored).map((found) => found.field)).toEqual(direct);
    }
  });
});
