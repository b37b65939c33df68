import { statusCauses, statusMessage, type ApiResponse, type KubeApi } from '@mysqlha/kube-tools';
import { asArray, asRecord, asString, isRecord, kindOf, nameOf, namespaceOf, type KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { skipped } from '../schema/stages.js';
import { podTemplates } from '../policy/pods.js';
import { formatPath } from '../report/path.js';
import { collectionPath, type Discovery } from './discovery.js';

export interface ServerContext {
  readonly api: KubeApi;
  readonly discovery: Discovery;
  /** The API server's release, for messages. */
  readonly release: string;
  /** Makes sure a namespace exists, labelled to enforce Pod Security `restricted`. */
  ensureNamespace(name: string): Promise<void>;
  /** Makes sure a ServiceAccount exists, so that a Pod naming it reaches Pod Security admission. */
  ensureServiceAccount(namespace: string, name: string): Promise<void>;
}

const DRY_RUN = 'dryRun=All&fieldManager=mysqlha-validate&fieldValidation=Strict';

/** A StatefulSet's pods get one volume per claim template, as its controller adds them: mounts refer to them. */
function withClaimVolumes(object: KubeObject, spec: Record<string, unknown>): Record<string, unknown> {
  if (object.kind !== 'StatefulSet') return spec;
  const claims = asArray(asRecord(object.spec).volumeClaimTemplates).map((claim) => asString(asRecord(asRecord(claim).metadata).name) ?? '');
  const volumes = [...asArray(spec.volumes), ...claims.map((name) => ({ name, persistentVolumeClaim: { claimName: `${name}-${nameOf(object)}-0` } }))];
  return { ...spec, volumes };
}

/**
 * Server-side apply names fields in its own notation, `.spec.ports[port=53,protocol="TCP"].protocl`; the
 * report uses list indexes, found by matching the keys against the object.
 */
export function ssaPathToIndexPath(path: string, object: unknown): string {
  const out: string[] = [];
  let current: unknown = object;
  for (const match of path.replace(/^\./, '').matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (match[1] !== undefined) {
      out.push(out.length === 0 ? match[1] : `.${match[1]}`);
      current = isRecord(current) ? current[match[1]] : undefined;
      continue;
    }
    const selector = match[2] ?? '';
    const keys = [...selector.matchAll(/([\w-]+)=("(?:[^"\\]|\\.)*"|[^,]*)/g)].map((key) => [key[1] ?? '', (key[2] ?? '').replace(/^"|"$/g, '')] as const);
    const list = asArray(current);
    const index = /^\d+$/.test(selector) ? Number(selector) : list.findIndex((item) => keys.every(([key, value]) => String(asRecord(item)[key]) === value));
    out.push(index >= 0 ? `[${index}]` : `[${selector}]`);
    current = index >= 0 ? list[index] : undefined;
  }
  return out.join('');
}

const JSON_TYPE: Record<string, string> = { string: 'string', number: 'number', bool: 'boolean', object: 'object', array: 'object' };

/**
 * A decoding error names `spec.ports.port` without the list index: the index is that of the first element
 * whose value there has the JSON type the decoder complained about.
 */
function indexedPath(segments: readonly string[], object: unknown, gotType: string): string {
  const walk = (current: unknown, rest: readonly string[]): string | undefined => {
    if (rest.length === 0) return typeof current === (JSON_TYPE[gotType] ?? gotType) ? '' : undefined;
    if (Array.isArray(current)) {
      for (const [index, item] of current.entries()) {
        const tail = walk(item, rest);
        if (tail !== undefined) return `[${index}]${tail}`;
      }
      return undefined;
    }
    const [head = '', ...tail] = rest;
    const below = walk(asRecord(current)[head], tail);
    return below === undefined ? undefined : `.${head}${below}`;
  };
  return walk(object, segments)?.replace(/^\./, '') ?? segments.join('.');
}

/** Field errors the API server puts in a message rather than in causes, with the path each names. */
function messageFieldErrors(message: string, object: unknown): { rule: string; path: string; message: string }[] {
  const found: { rule: string; path: string; message: string }[] = [];
  for (const match of message.matchAll(/unknown field "([^"]+)"/g)) {
    found.push({ rule: 'server/unknown-field', path: match[1] ?? '', message: `unknown field "${match[1]?.split('.').pop() ?? ''}"` });
  }
  for (const match of message.matchAll(/duplicate field "([^"]+)"/g)) found.push({ rule: 'server/duplicate-field', path: match[1] ?? '', message: `duplicate field "${match[1]}"` });
  const decode = /cannot unmarshal (\w+)(?: \S+)? into Go struct field \w+\.([\w.]+) of type ([\w[\]]+)/.exec(message);
  if (decode?.[2]) {
    // Go names metadata fields by their struct (ObjectMeta.labels); the report names them from the object's root.
    const segments = decode[0].includes('struct field ObjectMeta.') ? ['metadata', ...decode[2].split('.')] : decode[2].split('.');
    const path = indexedPath(segments, object, decode[1] ?? '');
    found.push({ rule: 'server/type', path, message: `must be ${decode[3]}, got ${decode[1]}` });
  }
  for (const match of message.matchAll(/(?:^|\s)(\.[^\s:]+): field not declared in schema/gm)) {
    const path = ssaPathToIndexPath(match[1] ?? '', object);
    found.push({ rule: 'server/unknown-field', path, message: `unknown field "${path.split('.').pop()?.replace(/\[.*$/, '') ?? ''}"` });
  }
  return found;
}

/** The API server's refusal, one finding per cause it names. */
export function refusalFindings(response: ApiResponse, where: { kind: string; name: string }, object: unknown, pathPrefix = ''): Finding[] {
  const message = statusMessage(response.body);
  const reason = asString(asRecord(response.body).reason) ?? '';
  const prefix = (path: string) => (pathPrefix === '' ? path : path === '' ? pathPrefix : `${pathPrefix}.${path}`);
  if (response.status === 403 && /violates PodSecurity/.test(message)) {
    const detail = message.replace(/^.*?(violates PodSecurity)/, '$1');
    return [{ ...where, rule: 'server/pod-security', path: pathPrefix, message: detail }];
  }
  const fields = messageFieldErrors(message, object);
  if (fields.length > 0) return fields.map((error) => ({ ...where, ...error, path: prefix(error.path) }));
  // CEL rules skipped because of an earlier error add a cause of their own with no field: noise.
  const causes = statusCauses(response.body).filter((cause) => cause.message && !/some validation rules were not checked/.test(cause.message));
  if (causes.length > 0) {
    return causes.map((cause) => ({ ...where, rule: 'server/invalid', path: prefix((cause.field ?? '').replace(/^\./, '')), message: cause.message ?? '' }));
  }
  return [{ ...where, rule: `server/${reason === '' ? 'rejected' : reason.replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? '' : '-'}${c.toLowerCase()}`)}`, path: pathPrefix, message: `${response.status}: ${message}` }];
}

function warningFindings(warnings: readonly string[], where: { kind: string; name: string }, isPod: boolean): Finding[] {
  // A workload's Pod Security warning repeats what the dry-run of its own Pod reports as an error.
  return warnings
    .filter((warning) => isPod || !/would violate PodSecurity/.test(warning))
    .map((warning) => ({ ...where, rule: 'server/warning', message: warning }));
}

async function applyDryRun(context: ServerContext, object: KubeObject, skipKinds: readonly string[] | undefined): Promise<Finding[]> {
  const where = { kind: kindOf(object), name: nameOf(object) };
  const apiVersion = asString(object.apiVersion) ?? '';
  const resource = context.discovery.resource(apiVersion, where.kind);
  if (!resource) {
    // A kind the user said no stage has a schema for (a CRD the gate does not install).
    if (skipped(skipKinds, apiVersion, where.kind)) return [];
    const missing = context.discovery.explainMissing(apiVersion, where.kind, context.release);
    return [{ ...where, rule: 'server/unknown-kind', ...missing }];
  }
  const namespace = namespaceOf(object) || 'default';
  if (resource.namespaced) await context.ensureNamespace(namespace);
  if (where.kind === 'Pod') await context.ensureServiceAccount(namespace, asString(asRecord(object.spec).serviceAccountName) ?? 'default');
  const collection = collectionPath(resource, namespace);
  // A create names fields by list index; the namespaces and accounts the gate made itself already exist, and
  // for those a server-side apply stands in.
  let response = await context.api.request('POST', `${collection}?${DRY_RUN}`, { body: object });
  if (response.status === 409) {
    response = await context.api.request('PATCH', `${collection}/${encodeURIComponent(where.name)}?${DRY_RUN}&force=true`, { body: object, contentType: 'application/apply-patch+yaml' });
  }
  if (response.status >= 300) return refusalFindings(response, where, object);
  return warningFindings(response.warnings, where, where.kind === 'Pod');
}

/** Pod Security admission judges Pods only: dry-run a Pod made from each pod template, in its namespace. */
async function podTemplateDryRun(context: ServerContext, object: KubeObject): Promise<Finding[]> {
  const findings: Finding[] = [];
  const where = { kind: kindOf(object), name: nameOf(object) };
  const namespace = namespaceOf(object) || 'default';
  for (const template of podTemplates([object])) {
    // A Pod is applied as itself above; workloads are judged through the Pod their template makes.
    if (where.kind === 'Pod') continue;
    const path = formatPath(template.specPath.slice(0, -1));
    const metadata = template.metadata;
    const spec = withClaimVolumes(object, template.spec);
    await context.ensureNamespace(namespace);
    await context.ensureServiceAccount(namespace, asString(spec.serviceAccountName) ?? 'default');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...metadata, name: `${where.name}-template`.slice(0, 63), namespace },
      spec,
    };
    const response = await context.api.request('POST', `/api/v1/namespaces/${namespace}/pods?${DRY_RUN}`, { body: pod });
    if (response.status >= 300) findings.push(...refusalFindings(response, where, pod, path));
  }
  return findings;
}

/** Server-side apply, dry run, strict field validation, for every object; then a Pod from every pod template. */
export async function dryRunObjects(context: ServerContext, objects: readonly KubeObject[], skipKinds?: readonly string[]): Promise<Finding[]> {
  const results = await Promise.all(objects.map(async (object) => [...(await applyDryRun(context, object, skipKinds)), ...(await podTemplateDryRun(context, object))]));
  return results.flat();
}
