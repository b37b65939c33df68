import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { reservedServerSetting } from '../server-config.js';
import { describe, parseQuantity } from './checks.js';
import { defaultClusterSpec } from './defaults.js';
import { CLUSTER_SPEC_SCHEMA, checkName, type Node } from './schema.js';
import { closest } from './suggest.js';
import type { ClusterSpec, ContainerName } from './types.js';

export interface SpecIssue {
  /** Dotted path of the offending field, e.g. `storage.size`. */
  readonly path: string;
  readonly message: string;
}

/** Every problem found in one ClusterSpec, one line each: `<source>: <field.path>: <message>`. */
export class ClusterSpecError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly SpecIssue[],
  ) {
    super(issues.map((issue) => `${source}: ${issue.path}: ${issue.message}`).join('\n'));
    this.name = 'ClusterSpecError';
  }
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function merge(node: Node, fallback: unknown, input: unknown, path: string, issues: SpecIssue[]): unknown {
  const at = path || '(top level)';
  if (node.kind === 'leaf') {
    const expected = node.check(input);
    if (expected === undefined) return input;
    issues.push({ path: at, message: `expected ${expected}, got ${describe(input)}` });
    return fallback;
  }
  if (!isPlain(input)) {
    issues.push({ path: at, message: `expected a mapping, got ${describe(input)}` });
    return fallback;
  }
  const result: Plain = { ...(fallback as Plain | undefined) };
  if (node.kind === 'map') {
    for (const [key, value] of Object.entries(input)) {
      const badKey = node.key(key);
      if (badKey !== undefined) {
        issues.push({ path: join(path, key), message: `expected ${badKey} as the key, got ${describe(key)}` });
        continue;
      }
      // null removes a default entry.
      if (value === null) {
        delete result[key];
        continue;
      }
      const badValue = node.value(value);
      if (badValue === undefined) result[key] = value;
      else issues.push({ path: join(path, key), message: `expected ${badValue}, got ${describe(value)}` });
    }
    return result;
  }
  if (node.together?.some((key) => key in input)) for (const key of node.together) delete result[key];
  const known = Object.keys(node.fields);
  for (const [key, value] of Object.entries(input)) {
    const field = node.fields[key];
    if (!field) {
      const guess = closest(key, known);
      const hint = guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`;
      issues.push({ path: join(path, key), message: `unknown field (${hint})` });
      continue;
    }
    const merged = merge(field, result[key], value, join(path, key), issues);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

const CONTAINERS: readonly ContainerName[] = ['mysql', 'agent', 'slowlog', 'init', 'clone'];

/** Rules between fields, each checked only when the fields it reads are themselves valid. */
function crossCheck(spec: ClusterSpec, issues: SpecIssue[]): void {
  const broken = issues.map((issue) => issue.path);
  const valid = (...paths: string[]): boolean =>
    !paths.some((p) => broken.some((b) => b === p || b.startsWith(`${p}.`) || p.startsWith(`${b}.`)));
  const add = (path: string, message: string): void => void issues.push({ path, message });

  const { loopIntervalMs, leaseDurationMs, renewDeadlineMs } = spec.ha;
  if (valid('ha.loopIntervalMs', 'ha.leaseDurationMs', 'ha.renewDeadlineMs')) {
    if (renewDeadlineMs + loopIntervalMs >= leaseDurationMs)
      add(
        'ha.renewDeadlineMs',
        `expected renewDeadlineMs + loopIntervalMs < leaseDurationMs, so that a leader that cannot renew demotes itself before any other pod can take the Lease, got ${renewDeadlineMs} + ${loopIntervalMs} >= ${leaseDurationMs}`,
      );
    if (renewDeadlineMs <= loopIntervalMs)
      add(
        'ha.renewDeadlineMs',
        `expected more than ha.loopIntervalMs (${loopIntervalMs}), so that one failed renewal does not demote a healthy leader, got ${renewDeadlineMs}`,
      );
  }

  if (valid('storage.mode', 'storage.className') && spec.storage.mode === 'local' && spec.storage.className === '')
    add(
      'storage.className',
      'expected the name of the no-provisioner StorageClass when storage.mode is local (local PersistentVolumes bind only through it), got ""',
    );

  for (const container of CONTAINERS) {
    const { requests, limits } = spec.resources[container];
    for (const resource of ['cpu', 'memory', 'ephemeral-storage'] as const) {
      const request = requests[resource];
      const limit = limits[resource];
      const path = `resources.${container}.requests.${resource}`;
      if (request === undefined || limit === undefined || !valid(path, `resources.${container}.limits.${resource}`)) continue;
      if (parseQuantity(request)! > parseQuantity(limit)!)
        add(path, `expected at most limits.${resource} (${limit}), got ${request}`);
    }
  }

  const memoryLimit = spec.resources.mysql.limits.memory;
  if (memoryLimit !== undefined && valid('server.innodbBufferPoolSize', 'resources.mysql.limits.memory')) {
    if (parseQuantity(spec.server.innodbBufferPoolSize)! >= parseQuantity(memoryLimit)!)
      add(
        'server.innodbBufferPoolSize',
        `expected less than resources.mysql.limits.memory (${memoryLimit}), leaving room for connections and the OS, got ${spec.server.innodbBufferPoolSize}`,
      );
  }

  if (valid('ports')) {
    const { mysql, agent, clone, metrics } = spec.ports;
    if (agent === mysql) add('ports.agent', `expected a port other than ports.mysql, got ${agent}`);
    if (clone === mysql || clone === agent) add('ports.clone', `expected a port other than ports.mysql and ports.agent, got ${clone}`);
    if ([mysql, agent, clone].includes(metrics)) add('ports.metrics', `expected a port other than ports.mysql, ports.agent and ports.clone, got ${metrics}`);
  }

  if (valid('services')) {
    const { headless, leader, follower } = spec.services;
    if (new Set([headless, leader, follower]).size < 3)
      add('services', `expected three different Service names, got headless ${headless}, leader ${leader}, follower ${follower}`);
  }

  for (const option of Object.keys(spec.server.extra)) {
    const reason = reservedServerSetting(option, spec);
    if (reason !== undefined) add(`server.extra.${option}`, reason);
  }
}

/**
 * Merges `input` (a possibly partial ClusterSpec, e.g. parsed YAML) over the defaults and validates the
 * result. Throws a ClusterSpecError listing every problem; `source` (a file name) starts each line.
 * `null` or `undefined` input yields the defaults. Names derived from `name` (Services, Secret) follow it
 * unless set explicitly.
 */
export function parseClusterSpec(input: unknown, source = 'ClusterSpec'): ClusterSpec {
  const issues: SpecIssue[] = [];
  const raw = input ?? {};
  const name = isPlain(raw) && checkName(raw.name) === undefined ? (raw.name as string) : undefined;
  const spec = merge(CLUSTER_SPEC_SCHEMA, defaultClusterSpec(name), raw, '', issues) as ClusterSpec;
  crossCheck(spec, issues);
  if (issues.length > 0) throw new ClusterSpecError(source, issues);
  return spec;
}

/** Reads a ClusterSpec YAML file; errors name the file. An empty file yields the defaults. */
export async function loadClusterSpec(file: string): Promise<ClusterSpec> {
  const document = parseDocument(await readFile(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ClusterSpecError(
      file,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        return {
          path: position ? `line ${position.line}, column ${position.col}` : '(top level)',
          message: `invalid YAML: ${error.message.split('\n')[0]}`,
        };
      }),
    );
  }
  return parseClusterSpec(document.toJS(), file);
}
