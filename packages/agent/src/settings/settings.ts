import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';

export type FailoverPolicy = 'safe' | 'available';

export interface PeerAddress {
  host: string;
  mysqlPort: number;
  httpPort: number;
  clonePort: number;
}

export interface AgentSettings {
  cluster: string;
  headlessService: string;
  leaseName: string;
  leaderService: string;
  followerService: string;
  mysqlPort: number;
  httpPort: number;
  clonePort: number;
  /** Prometheus metrics only, apart from the control port. */
  metricsPort: number;
  loopIntervalMs: number;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  semiSyncTimeoutMs: number;
  /** A leader with no semi-sync replica attached this long, while it has peers, steps down. */
  semiSyncStepDownAfterMs: number;
  maxLagSeconds: number;
  failoverPolicy: FailoverPolicy;
  mysqlHost: string;
  /** The local server's Unix socket: the TLS reload runs on it, so it works whatever certificate the server serves. */
  mysqlSocket: string;
  dataDir: string;
  runDir: string;
  secretsDir: string;
  kubeApiUrl: string;
  kubeTokenFile: string;
  peerAddresses: Record<string, PeerAddress>;
  /** A pod refusing to replicate over a diverged history this long re-clones itself; 0: never. */
  recloneDivergedAfterMs: number;
  /**
   * PEM files (docs/runtime.md, "TLS"): with cert and key the clone donor speaks HTTPS only; with a CA every MySQL
   * connection the agent and its tools open, replication included, is TLS verified against it, and so is the clone.
   */
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsCaFile: string;
  /** The overlay's application users (docs/runtime.md, "Accounts"); a missing file declares none. */
  usersFile: string;
  /** After a password rotation, how long the previous password keeps working. */
  passwordGraceSeconds: number;
  /** Where agent.yaml was read from; the server config template my.cnf sits next to it. */
  configFile: string;
  podName: string;
  namespace: string;
}

export class SettingsError extends Error {
  constructor(
    readonly source: string,
    readonly key: string,
    readonly expected: string,
    got: unknown,
  ) {
    super(`${source}: ${key}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'SettingsError';
  }
}

type Kind = 'string' | 'port' | 'positiveInt' | 'nonNegativeInt' | 'policy' | 'peers';

const KEYS: Record<Exclude<keyof AgentSettings, 'configFile' | 'podName' | 'namespace'>, { kind: Kind; default?: unknown }> = {
  cluster: { kind: 'string', default: 'mysql' },
  headlessService: { kind: 'string', default: 'mysql' },
  leaseName: { kind: 'string', default: 'mysql-leader' },
  leaderService: { kind: 'string', default: 'mysql-leader' },
  followerService: { kind: 'string', default: 'mysql-follower' },
  mysqlPort: { kind: 'port', default: 3306 },
  httpPort: { kind: 'port', default: 8080 },
  clonePort: { kind: 'port', default: 8081 },
  metricsPort: { kind: 'port', default: 9104 },
  loopIntervalMs: { kind: 'positiveInt', default: 500 },
  leaseDurationMs: { kind: 'positiveInt', default: 4000 },
  renewDeadlineMs: { kind: 'positiveInt', default: 2500 },
  semiSyncTimeoutMs: { kind: 'positiveInt', default: 4294967295 },
  semiSyncStepDownAfterMs: { kind: 'positiveInt', default: 30000 },
  maxLagSeconds: { kind: 'nonNegativeInt', default: 30 },
  failoverPolicy: { kind: 'policy', default: 'safe' },
  mysqlHost: { kind: 'string', default: '127.0.0.1' },
  mysqlSocket: { kind: 'string', default: '/run/mysqlha/mysqld.sock' },
  dataDir: { kind: 'string', default: '/var/lib/mysql/data' },
  runDir: { kind: 'string', default: '/run/mysqlha' },
  secretsDir: { kind: 'string', default: '/var/run/secrets/mysqlha' },
  kubeApiUrl: { kind: 'string', default: '' },
  kubeTokenFile: { kind: 'string', default: '' },
  peerAddresses: { kind: 'peers', default: {} },
  recloneDivergedAfterMs: { kind: 'nonNegativeInt', default: 30000 },
  tlsCertFile: { kind: 'string', default: '' },
  tlsKeyFile: { kind: 'string', default: '' },
  tlsCaFile: { kind: 'string', default: '' },
  usersFile: { kind: 'string', default: '/etc/mysqlha/users.yaml' },
  passwordGraceSeconds: { kind: 'nonNegativeInt', default: 86400 },
};

export const SETTING_KEYS = Object.keys(KEYS) as (keyof typeof KEYS)[];

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  port: 'an integer port between 1 and 65535',
  positiveInt: 'a positive integer',
  nonNegativeInt: 'an integer >= 0',
  policy: '"safe" or "available"',
  peers: 'a map of pod name -> {host, mysqlPort, httpPort, clonePort}',
};

/** `leaseDurationMs` -> `MYSQLHA_LEASE_DURATION_MS`. */
export function envName(key: string): string {
  return 'MYSQLHA_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `leaseDurationMs` -> `--lease-duration-ms`. */
export function flagName(key: string): string {
  return '--' + key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function coerce(source: string, key: string, kind: Kind, raw: unknown, fromText: boolean): unknown {
  const fail = (): never => {
    throw new SettingsError(source, key, EXPECTED[kind], raw);
  };
  switch (kind) {
    case 'string':
      if (typeof raw !== 'string') fail();
      return raw;
    case 'policy':
      if (raw !== 'safe' && raw !== 'available') fail();
      return raw;
    case 'port':
    case 'positiveInt':
    case 'nonNegativeInt': {
      const n = fromText && typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) fail();
      const v = n as number;
      if (kind === 'port' && (v < 1 || v > 65535)) fail();
      if (kind === 'positiveInt' && v < 1) fail();
      if (kind === 'nonNegativeInt' && v < 0) fail();
      return v;
    }
    case 'peers': {
      let value = raw;
      if (fromText && typeof raw === 'string') {
        try {
          value = JSON.parse(raw);
        } catch {
          fail();
        }
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail();
      const peers: Record<string, PeerAddress> = {};
      for (const [pod, addr] of Object.entries(value as Record<string, unknown>)) {
        if (addr === null || typeof addr !== 'object') {
          throw new SettingsError(source, `${key}.${pod}`, '{host, mysqlPort, httpPort, clonePort}', addr);
        }
        const a = addr as Record<string, unknown>;
        const host = a.host;
        if (typeof host !== 'string' || host === '') throw new SettingsError(source, `${key}.${pod}.host`, 'a host name', host);
        const port = (field: string, dflt: number): number => {
          const p = a[field] ?? dflt;
          if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
            throw new SettingsError(source, `${key}.${pod}.${field}`, EXPECTED.port, p);
          }
          return p;
        };
        peers[pod] = { host, mysqlPort: port('mysqlPort', 3306), httpPort: port('httpPort', 8080), clonePort: port('clonePort', 8081) };
      }
      return peers;
    }
  }
}

export interface SettingsSources {
  /** Command-line arguments after the sub-command (only `--key value` / `--key=value` pairs for known keys are used). */
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** agent.yaml path; default: --config, then MYSQLHA_CONFIG, then /etc/mysqlha/agent.yaml. */
  configFile?: string;
}

/** Reads `--flag value` and `--flag=value` pairs; returns the values by flag name and the remaining args. */
export function parseFlags(argv: readonly string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      flags.set(arg, argv[i + 1]!);
      i++;
    } else {
      flags.set(arg, 'true');
    }
  }
  return { flags, rest };
}

/**
 * Settings with precedence flag > environment > agent.yaml > default.
 * Throws SettingsError naming the source, the key and what was expected.
 */
export function loadSettings(sources: SettingsSources = {}): AgentSettings {
  const env = sources.env ?? process.env;
  const { flags } = parseFlags(sources.argv ?? []);
  const configFile = flags.get('--config') ?? sources.configFile ?? env.MYSQLHA_CONFIG ?? '/etc/mysqlha/agent.yaml';

  let file: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || flags.has('--config') || env.MYSQLHA_CONFIG) {
      throw new SettingsError(configFile, '(file)', 'a readable agent.yaml', code ?? String(err));
    }
  }
  if (text !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new SettingsError(configFile, '(file)', 'valid YAML', (err as Error).message);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new SettingsError(configFile, '(file)', 'a YAML mapping', doc);
      file = doc as Record<string, unknown>;
    }
  }
  for (const key of Object.keys(file)) {
    if (!(key in KEYS)) throw new SettingsError(configFile, key, `one of ${SETTING_KEYS.join(', ')}`, key);
  }

  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const { kind, default: dflt } = KEYS[key];
    const flag = flags.get(flagName(key));
    const fromEnv = env[envName(key)];
    if (flag !== undefined) out[key] = coerce(`flag ${flagName(key)}`, key, kind, flag, true);
    else if (fromEnv !== undefined && fromEnv !== '') out[key] = coerce(`environment ${envName(key)}`, key, kind, fromEnv, true);
    else if (file[key] !== undefined && file[key] !== null) out[key] = coerce(configFile, key, kind, file[key], false);
    else out[key] = dflt;
  }
  const settings = out as unknown as AgentSettings;
  settings.configFile = configFile;
  settings.podName = flags.get('--pod-name') ?? env.POD_NAME ?? '';
  settings.namespace = flags.get('--namespace') ?? env.POD_NAMESPACE ?? 'default';
  checkTiming(settings, configFile);
  checkTls(settings, configFile);
  return settings;
}

/**
 * Certificate, key and CA come together, so a typo never silently means a clone without TLS: the CA alone would
 * verify MySQL connections while every donor streamed the datadir over plain HTTP.
 */
export function checkTls(s: Pick<AgentSettings, 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile'>, source: string): void {
  const set = (['tlsCertFile', 'tlsKeyFile', 'tlsCaFile'] as const).filter((key) => s[key]);
  if (set.length === 0 || set.length === 3) return;
  const missing = (['tlsCertFile', 'tlsKeyFile', 'tlsCaFile'] as const).find((key) => !s[key])!;
  throw new SettingsError(source, missing, `a PEM file path, since ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set (TLS needs the certificate, its key and the CA)`, '');
}

/**
 * The holder must be read-only by renewDeadline after its last successful renew and the others wait a full
 * leaseDuration after they last saw the Lease change; one loop of slack covers the demotion itself.
 */
export function checkTiming(s: Pick<AgentSettings, 'renewDeadlineMs' | 'loopIntervalMs' | 'leaseDurationMs'>, source: string): void {
  if (s.renewDeadlineMs + s.loopIntervalMs >= s.leaseDurationMs) {
    throw new SettingsError(
      source,
      'renewDeadlineMs',
      `renewDeadlineMs + loopIntervalMs (${s.loopIntervalMs}) < leaseDurationMs (${s.leaseDurationMs}), so a holder that cannot renew is read-only before anyone else may take the Lease`,
      s.renewDeadlineMs,
    );
  }
  if (s.loopIntervalMs * 2 > s.renewDeadlineMs) {
    throw new SettingsError(source, 'loopIntervalMs', `at most half of renewDeadlineMs (${s.renewDeadlineMs}), so a holder gets two renew attempts`, s.loopIntervalMs);
  }
}

/** The ordinal of a StatefulSet pod name (`mysql-2` -> 2). */
export function podOrdinal(podName: string): number {
  const m = /-(\d+)$/.exec(podName);
  if (!m) throw new SettingsError('POD_NAME', 'POD_NAME', 'a StatefulSet pod name ending in -<ordinal>', podName);
  return Number(m[1]);
}

/** The server config template next to agent.yaml (the ConfigMap's my.cnf). */
export function serverConfigTemplate(s: AgentSettings): string {
  return `${dirname(s.configFile)}/my.cnf`;
}
