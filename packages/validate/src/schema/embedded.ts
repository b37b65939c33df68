import { kindOf, nameOf, type KubeObject } from '../objects.js';
import { formatPath } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { builtinFieldType } from './fields-builtin.js';
import { customFieldType } from './fields-custom.js';
import { toSchemaErrors, type AjvError } from './model-errors.js';
import { knowsApiVersion, lookupKind, type KindInfo } from './registry.js';
import { findUnknownFields } from './unknown-fields.js';
import { fieldsNewerThanModel } from './version-skew.js';
import { KUBERNETES_VERSION } from './version.js';

/**
 * Offline strict validation of one object: kubernetes-models (Kubernetes 1.33 schemas and the
 * Argo CD, Flux and External Secrets CRDs) for types, required fields, enums and formats, then a
 * walk over the declared field lists, because those validators accept any unknown field.
 */
export async function validateEmbedded(object: KubeObject): Promise<Finding[]> {
  const where = { kind: kindOf(object), name: nameOf(object) };
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
    return [{ rule: 'schema/required', ...where, path: missing, message: 'required field is missing' }];
  }
  const info = await lookupKind(apiVersion, kind);
  if (!info) {
    return [{
      rule: 'schema/unknown-kind',
      ...where,
      path: knowsApiVersion(apiVersion) ? 'kind' : 'apiVersion',
      message: `${apiVersion} ${kind} is not a Kubernetes ${KUBERNETES_VERSION} kind nor a known custom resource (Argo CD, Flux, External Secrets)`,
    }];
  }
  const findings: Finding[] = [];
  try {
    new info.model(object).validate();
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!errors) throw error;
    for (const schemaError of toSchemaErrors(errors, object)) findings.push({ ...where, ...schemaError });
  }
  findings.push(...(await unknownFields(object, apiVersion, kind, info)));
  return findings;
}

async function unknownFields(object: KubeObject, apiVersion: string, kind: string, info: KindInfo): Promise<Finding[]> {
  const where = { rule: 'schema/unknown-field', kind, name: nameOf(object) };
  const fieldType = info.custom ? await customFieldType(info.specifier, kind) : builtinFieldType(apiVersion, kind);
  if (!fieldType) return [];
  const findings: Finding[] = findUnknownFields(object, fieldType).map((unknown) => ({
    ...where,
    path: formatPath([...unknown.path, unknown.field]),
    message: `unknown field "${unknown.field}"`,
  }));
  // Custom resource field lists come from the same package as their validator; only built-in ones can be newer.
  if (!info.custom) {
    for (const path of fieldsNewerThanModel(object, fieldType, info.model)) {
      findings.push({
        ...where,
        path: formatPath(path),
        message: `unknown field "${String(path[path.length - 1])}" in Kubernetes ${KUBERNETES_VERSION} (a later release added it)`,
      });
    }
  }
  return findings;
}
