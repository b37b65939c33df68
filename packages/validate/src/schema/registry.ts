import { createRequire } from 'node:module';

/** The validating model class of one built-in apiVersion/kind, from kubernetes-models. */
export interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: Record<string, unknown>): { validate(): void };
}

export interface KindInfo {
  readonly model: ModelClass;
  /** Module specifier of the model, e.g. `kubernetes-models/apps/v1/StatefulSet`. */
  readonly specifier: string;
}

const API_VERSION = /^(?:([a-z0-9]([a-z0-9.-]*[a-z0-9])?)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

const cache = new Map<string, Promise<KindInfo | undefined>>();
const require = createRequire(import.meta.url);

export function splitApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const match = API_VERSION.exec(apiVersion);
  if (!match) return undefined;
  return { group: match[1] ?? '', version: match[3] ?? '' };
}

/** Finds the model for apiVersion/kind; undefined when kubernetes-models does not have it. */
export function lookupKind(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
  const key = `${apiVersion}/${kind}`;
  let found = cache.get(key);
  if (!found) {
    found = load(apiVersion, kind);
    cache.set(key, found);
  }
  return found;
}

async function load(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
  const parts = splitApiVersion(apiVersion);
  if (!parts || !KIND.test(kind)) return undefined;
  const specifier = `kubernetes-models/${apiVersion}/${kind}`;
  try {
    require.resolve(specifier);
  } catch {
    return undefined;
  }
  const module = (await import(specifier)) as Record<string, unknown>;
  const model = module[kind] as ModelClass | undefined;
  // Nested types (StatefulSetSpec) live beside the kinds but carry no apiVersion/kind of their own.
  if (!model || model.apiVersion !== apiVersion || model.kind !== kind) return undefined;
  return { model, specifier };
}
