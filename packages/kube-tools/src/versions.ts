import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from './paths.js';

/** A Go module at one version. */
export interface Pinned {
  readonly module: string;
  readonly version: string;
}

/** A project's CRDs, as its own Go module ships them: every YAML file in `dir` of that module. */
export interface CrdSource extends Pinned {
  readonly dir: string;
  /** Kinds whose schemas the offline (embedded) validator carries. */
  readonly embedded: readonly string[];
}

export interface Versions {
  readonly go: { readonly kubernetes: Pinned; readonly etcd: Pinned; readonly kubeconform: Pinned };
  readonly crds: Readonly<Record<string, CrdSource>>;
}

const SEMVER = /^v\d+\.\d+\.\d+$/;

function pinned(value: unknown, where: string, errors: string[]): void {
  const entry = value as Record<string, unknown> | undefined;
  if (typeof entry?.module !== 'string' || entry.module === '') errors.push(`${where}.module: expected a Go module path`);
  if (typeof entry?.version !== 'string' || !SEMVER.test(entry.version)) {
    errors.push(`${where}.version: expected a release like v1.2.3, got ${JSON.stringify(entry?.version)}`);
  }
}

/** Reads and checks tools/versions.json, the one file that pins every tool and CRD. */
export function loadVersions(file = join(toolsDir(), 'versions.json')): Versions {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const errors: string[] = [];
  const go = (raw.go ?? {}) as Record<string, unknown>;
  for (const name of ['kubernetes', 'etcd', 'kubeconform']) pinned(go[name], `go.${name}`, errors);
  const crds = (raw.crds ?? {}) as Record<string, unknown>;
  for (const [name, source] of Object.entries(crds)) {
    pinned(source, `crds.${name}`, errors);
    if (typeof (source as Record<string, unknown>).dir !== 'string') errors.push(`crds.${name}.dir: expected the folder of CRD YAML inside the module`);
    const embedded = (source as Record<string, unknown>).embedded;
    if (!Array.isArray(embedded) || embedded.some((kind) => typeof kind !== 'string')) errors.push(`crds.${name}.embedded: expected a list of kinds`);
  }
  if (errors.length > 0) throw new Error(`${file}:\n  ${errors.join('\n  ')}`);
  return raw as unknown as Versions;
}

/** `v1.35.4` -> `{ major: '1', minor: '35' }`, for the version ldflags. */
export function majorMinor(version: string): { major: string; minor: string } {
  const [major = '', minor = ''] = version.replace(/^v/, '').split('.');
  return { major, minor };
}
