import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSpecError, DEFAULT_CLUSTER_SPEC, loadClusterSpec, parseClusterSpec } from '../src/index.js';

function errorsOf(input: unknown, source?: string): string[] {
  try {
    parseClusterSpec(input, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterSpecError);
    return (error as ClusterSpecError).message.split('\n');
  }
  throw new Error('expected the ClusterSpec to be rejected');
}

describe('parseClusterSpec', () => {
  it('yields the documented defaults for an empty spec', () => {
    const spec = parseClusterSpec({});
    expect(spec).toEqual(DEFAULT_CLUSTER_SPEC);
    expect(spec).toMatchObject({
      name: 'mysql',
      namespace: 'mysqlha',
      replicas: 3,
      ha: { loopIntervalMs: 500, leaseDurationMs: 4000, renewDeadlineMs: 2500, failoverPolicy: 'safe' },
      services: { headless: 'mysql', leader: 'mysql-leader', follower: 'mysql-follower' },
      secretName: 'mysql-credentials',
      ports: { mysql: 3306, agent: 8080, clone: 8081 },
    });
    expect(parseClusterSpec(null)).toEqual(DEFAULT_CLUSTER_SPEC);
  });

  it('merges nested fields over the defaults and derives names from a new cluster name', () => {
    const spec = parseClusterSpec({ name: 'orders', ha: { semiSyncTimeoutMs: 60000 }, storage: { size: '100Gi' } });
    expect(spec.ha).toEqual({ ...DEFAULT_CLUSTER_SPEC.ha, semiSyncTimeoutMs: 60000 });
    expect(spec.storage).toEqual({ ...DEFAULT_CLUSTER_SPEC.storage, size: '100Gi' });
    expect(spec.services).toEqual({ headless: 'orders', leader: 'orders-leader', follower: 'orders-follower' });
    expect(spec.secretName).toBe('orders-credentials');
  });

  it('replaces the default tag when an image is pinned by digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const spec = parseClusterSpec({ images: { mysql: { digest } } });
    expect(spec.images.mysql).toEqual({ repository: 'mysqlha/mysql', digest });
  });

  it('removes a default server.extra entry given as null', () => {
    const spec = parseClusterSpec({ server: { extra: { character_set_server: null, wait_timeout: 600 } } });
    expect(spec.server.extra).not.toHaveProperty('character_set_server');
    expect(spec.server.extra).toHaveProperty('wait_timeout', 600);
  });

  it('names the source and field for a wrong type', () => {
    expect(errorsOf({ replicas: 'three' }, 'prod.yaml')).toEqual(['prod.yaml: replicas: expected an integer >= 1, got "three"']);
    expect(errorsOf({ storage: 'fast' })).toEqual(['ClusterSpec: storage: expected a mapping, got "fast"']);
  });

  it('names the field for a value out of range', () => {
    expect(errorsOf({ replicas: 0 })).toEqual(['ClusterSpec: replicas: expected an integer >= 1, got 0']);
    expect(errorsOf({ ports: { agent: 70000 } })).toEqual([
      'ClusterSpec: ports.agent: expected an integer from 1 to 65535, got 70000',
    ]);
    expect(errorsOf({ ha: { failoverPolicy: 'yolo' } })).toEqual([
      'ClusterSpec: ha.failoverPolicy: expected one of "safe", "available", got "yolo"',
    ]);
  });

  it('names the field for a malformed quantity', () => {
    expect(errorsOf({ storage: { size: 'lots' } })).toEqual([
      'ClusterSpec: storage.size: expected a Kubernetes quantity like 10Gi, got "lots"',
    ]);
    expect(errorsOf({ resources: { agent: { limits: { memory: '1 GB' } } } })).toEqual([
      'ClusterSpec: resources.agent.limits.memory: expected a Kubernetes quantity like 1Gi, got "1 GB"',
    ]);
  });

  it('suggests the intended key for an unknown one', () => {
    expect(errorsOf({ replcias: 3 })).toEqual(['ClusterSpec: replcias: unknown field (did you mean "replicas"?)']);
    expect(errorsOf({ ha: { leaseDurationMS: 4000 } })).toEqual([
      'ClusterSpec: ha.leaseDurationMS: unknown field (did you mean "leaseDurationMs"?)',
    ]);
    expect(errorsOf({ colour: 'blue' })[0]).toMatch(/^ClusterSpec: colour: unknown field \(known fields: name, namespace, /);
  });

  it('rejects timings under which a stuck leader could still be writable when another pod takes the Lease', () => {
    expect(errorsOf({ ha: { renewDeadlineMs: 3500 } })).toEqual([
      'ClusterSpec: ha.renewDeadlineMs: expected renewDeadlineMs + loopIntervalMs < leaseDurationMs, so that a leader that cannot renew demotes itself before any other pod can take the Lease, got 3500 + 500 >= 4000',
    ]);
    expect(parseClusterSpec({ ha: { leaseDurationMs: 10000, renewDeadlineMs: 8000, loopIntervalMs: 1000 } }).ha.leaseDurationMs).toBe(10000);
    expect(errorsOf({ ha: { leaseDurationMs: 4500 } })).toEqual([
      'ClusterSpec: ha.leaseDurationMs: expected a multiple of 1000 that is >= 1000 (Lease durations are whole seconds), got 4500',
    ]);
  });

  it('skips a cross-field rule whose inputs are already reported', () => {
    expect(errorsOf({ ha: { leaseDurationMs: 'long', renewDeadlineMs: 9000 } })).toEqual([
      'ClusterSpec: ha.leaseDurationMs: expected a multiple of 1000 that is >= 1000 (Lease durations are whole seconds), got "long"',
    ]);
  });

  it('applies the other cross-field rules', () => {
    expect(errorsOf({ storage: { mode: 'local', className: '' } })).toEqual([
      'ClusterSpec: storage.className: expected the name of the no-provisioner StorageClass when storage.mode is local (local PersistentVolumes bind only through it), got ""',
    ]);
    expect(parseClusterSpec({ storage: { mode: 'dynamic', className: '' } }).storage.className).toBe('');
    expect(errorsOf({ server: { innodbBufferPoolSize: '1Gi' } })).toEqual([
      'ClusterSpec: server.innodbBufferPoolSize: expected less than resources.mysql.limits.memory (1Gi), leaving room for connections and the OS, got 1Gi',
    ]);
    expect(errorsOf({ resources: { agent: { requests: { memory: '1Gi' } } } })).toEqual([
      'ClusterSpec: resources.agent.requests.memory: expected at most limits.memory (256Mi), got 1Gi',
    ]);
    expect(errorsOf({ ports: { agent: 3306 } })).toEqual(['ClusterSpec: ports.agent: expected a port other than ports.mysql, got 3306']);
    expect(errorsOf({ ports: { clone: 8080 } })).toEqual([
      'ClusterSpec: ports.clone: expected a port other than ports.mysql and ports.agent, got 8080',
    ]);
  });

  it('keeps settings the HA contract owns out of server.extra', () => {
    expect(errorsOf({ server: { extra: { read_only: false, 'gtid-strict-mode': 0, rpl_semi_sync_master_enabled: 1, max_connections: 9 } } })).toEqual([
      'ClusterSpec: server.extra.read_only: reserved: the HA contract depends on this setting',
      'ClusterSpec: server.extra.gtid-strict-mode: reserved: the HA contract depends on this setting',
      'ClusterSpec: server.extra.rpl_semi_sync_master_enabled: reserved: the agent switches semi-sync at run time',
      'ClusterSpec: server.extra.max_connections: reserved: set server.maxConnections instead',
    ]);
    expect(errorsOf({ server: { extra: { init_connect: 'x\n[mysqld]' } } })[0]).toMatch(/server\.extra\.init_connect: expected a string without line breaks/);
  });

  it('rejects names that are not DNS labels', () => {
    expect(errorsOf({ name: 'My_Cluster', namespace: '-x', services: { leader: '1leader' } })).toEqual([
      "ClusterSpec: name: expected a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending alphanumeric, at most 51 characters, so that derived names such as <name>-credentials fit), got \"My_Cluster\"",
      "ClusterSpec: namespace: expected a DNS-1123 label (lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters), got \"-x\"",
      "ClusterSpec: services.leader: expected a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending alphanumeric, at most 63 characters), got \"1leader\"",
    ]);
    expect(errorsOf({ name: 'a'.repeat(52) })).toHaveLength(1);
  });

  it('lists every error at once', () => {
    expect(errorsOf({ replicas: -1, storage: { size: 'big' }, ha: { failoverPolicy: 1, renewDeadlineMs: 3600 }, replica: 2 }, 'staging.yaml')).toEqual([
      'staging.yaml: replicas: expected an integer >= 1, got -1',
      'staging.yaml: storage.size: expected a Kubernetes quantity like 10Gi, got "big"',
      'staging.yaml: ha.failoverPolicy: expected one of "safe", "available", got 1',
      'staging.yaml: replica: unknown field (did you mean "replicas"?)',
      'staging.yaml: ha.renewDeadlineMs: expected renewDeadlineMs + loopIntervalMs < leaseDurationMs, so that a leader that cannot renew demotes itself before any other pod can take the Lease, got 3600 + 500 >= 4000',
    ]);
  });
});

describe('loadClusterSpec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mysqlha-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads YAML and names the file in errors', async () => {
    const file = join(dir, 'prod.yaml');
    await writeFile(file, 'replicas: 5\nstorage:\n  size: lots\n');
    await expect(loadClusterSpec(file)).rejects.toThrow(`${file}: storage.size: expected a Kubernetes quantity like 10Gi, got "lots"`);
    await writeFile(file, 'replicas: 5\n');
    expect((await loadClusterSpec(file)).replicas).toBe(5);
  });

  it('reports YAML syntax errors with the file and position', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'replicas: 5\nstorage: [\n');
    await expect(loadClusterSpec(file)).rejects.toThrow(new RegExp(`^${file}: line \\d+, column \\d+: invalid YAML`));
  });

  it('treats an empty file as the defaults', async () => {
    const file = join(dir, 'empty.yaml');
    await writeFile(file, '');
    expect(await loadClusterSpec(file)).toEqual(DEFAULT_CLUSTER_SPEC);
  });
});
