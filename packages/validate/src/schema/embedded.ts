import { kindOf, nameOf, type KubeObject } from '../objects.js';
import { formatPath } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { crdValidator } from './crd-schemas.js';
import { builtinFieldType } from './fields-builtin.js';
import { toSchemaErrors, type AjvError } from './model-errors.js';
import { lookupKind, type KindInfo } from './registry.js';
import { checkServed } from './served.js';
import { findUnknownFields } from './unknown-fields.js';
import { fieldsNewerThanModel } from './version-skew.js';
import { KUBERNETES_VERSION } from './version.js';

/**
 * Offline strict validation of one object. First: is apiVersion/kind served by the pinned Kubernetes release
 * with the pinned CRDs (a committed list taken from the real server)? Then custom resources against their
 * CRDs' own strict schemas, and built-in kinds against kubernetes-models (Kubernetes 1.33 types, required
 * fields, enums, formats) plus a walk over the declared field lists, because those validators accept any
 * unknown field.
 */
export async function validateEmbedded(object: KubeObject): Promise<Finding[]> {
  const where = { kind: kindOf(object), name: nameOf(object) };
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
    return [{ rule: 'schema/required', ...where, path: missing, message: 'required field is missing' }];
  }
  const served = checkServed(apiVersion, kind);
  if (!served.served) return [{ rule: 'schema/unknown-kind', ...where, path: served.path, message: served.message }];
  const crd = crdValidator(apiVersion, kind);
  if (crd) {
    if (crd(object)) return [];
    return toSchemaErrors((crd.errors ?? []) as AjvError[], object).map((error) => ({ ...where, ...error }));
  }
  const info = await lookupKind(apiVersion, kind);
  if (!info) {
    // A built-in kind newer than kubernetes-models is left to the other stages; a CRD kind is named, so that
    // an embedded-only run says what it could not check.
    if (!isBuiltinGroup(apiVersion)) {
      return [{ rule: 'schema/unknown-kind', ...where, path: 'kind', message: `the embedded validator carries no schema for ${apiVersion} ${kind} (kubeconform and the server stage check it); skip it here with --skip-kinds ${kind}` }];
    }
    return [];
  }
  const findings: Finding[] = [];
  try {
    new info.model(object).validate();
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!errors) throw error;
    for (const schemaError of toSchemaErrors(errors, object)) findings.push({ ...where, ...schemaError });
  }
  findings.push(...unknownFields(object, apiVersion, kind, info));
  return findings;
}

/** Kubernetes' own groups: the core group, the unqualified ones (apps, batch, policy...), and *.k8s.io. */
function isBuiltinGroup(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  return !group.includes('.') || group.endsWith('.k8s.io');
}

function unknownFields(object: KubeObject, apiVersion: string, kind: string, info: KindInfo): Finding[] {
  const where = { rule: 'schema/unknown-field', kind, name: nameOf(object) };
  const fieldType = builtinFieldType(apiVersion, kind);
  if (!fieldType) return [];
  const findings: Finding[] = findUnknownFields(object, fieldType).map((unknown) => ({
    ...where,
    path: formatPath([...unknown.path, unknown.field]),
    message: `unknown field "${unknown.field}"`,
  }));
  for (const path of fieldsNewerThanModel(object, fieldType, info.model)) {
    findings.push({
      ...where,
      path: formatPath(path),
      message: `unknown field "${String(path[path.length - 1])}" in Kubernetes ${KUBERNETES_VERSION} (a later release added it)`,
    });
  }
  return findings;
}
