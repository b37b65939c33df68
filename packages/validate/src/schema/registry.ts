import { createRequire } from 'node:module';

/** The validating model class of one apiVersion/kind, from kubernetes-models or one of its CRD packages. */
export interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: Record<string, unknown>): { validate(): void };
}

export interface KindInfo {
  readonly model: ModelClass;
  /** Module specifier of the model, e.g. `kubernetes-models/apps/v1/StatefulSet`. */
  readonly specifier: string;
  /** True for custom resources (Argo CD, Flux, External Secrets), whose field lists come from their type declarations. */
  readonly custom: boolean;
}

export const CRD_PACKAGES: readonly { readonly group: RegExp; readonly pkg: string }[] = [
  { group: /^argoproj\.io$/, pkg: '@kubernetes-models/argo-cd' },
  { group: /^[a-z]+\.toolkit\.fluxcd\.io$/, pkg: '@kubernetes-models/flux-cd' },
  { group: /^(generators\.)?external-secrets\.io$/, pkg: '@kubernetes-models/external-secrets' },
];

const API_VERSION = /^(?:([a-z0-9]([a-z0-9.-]*[a-z0-9])?)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

const cache = new Map<string, Promise<KindInfo | undefined>>();
const require = createRequire(import.meta.url);

export function splitApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const match = API_VERSION.exec(apiVersion);
  if (!match) return undefined;
  return { group: match[1] ?? '', version: match[3] ?? '' };
}

/** Finds the model for apiVersion/kind; undefined when no schema package knows it. */
export function lookupKind(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
  const key = `${apiVersion}/${kind}`;
  let found = cache.get(key);
  if (!found) {
    found = load(apiVersion, kind);
    cache.set(key, found);
  }
  return found;
}

function packageOf(group: string): { pkg: string; custom: boolean } {
  const crd = CRD_PACKAGES.find((entry) => entry.group.test(group));
  return { pkg: crd?.pkg ?? 'kubernetes-models', custom: crd !== undefined };
}

/** Whether some schema package has models for this apiVersion (so an unknown kind is a misspelt kind). */
export function knowsApiVersion(apiVersion: string): boolean {
  const parts = splitApiVersion(apiVersion);
  if (!parts) return false;
  try {
    require.resolve(`${packageOf(parts.group).pkg}/${apiVersion}`);
    return true;
  } catch {
    return false;
  }
}

async function load(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
  const parts = splitApiVersion(apiVersion);
  if (!parts || !KIND.test(kind)) return undefined;
  const { pkg, custom } = packageOf(parts.group);
  const specifier = `${pkg}/${apiVersion}/${kind}`;
  try {
    require.resolve(specifier);
  } catch {
    return undefined;
  }
  const module = (await import(specifier)) as Record<string, unknown>;
  const model = module[kind] as ModelClass | undefined;
  // Nested types (StatefulSetSpec) live beside the kinds but carry no apiVersion/kind of their own.
  if (!model || model.apiVersion !== apiVersion || model.kind !== kind) return undefined;
  return { model, specifier, custom };
}
