import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { ROLE_LABEL } from '@mysqlha/config';
import { binaryPath } from '@mysqlha/kube-tools';
import type { Watched } from '../check/writable-watcher.js';
import { WriteLoad } from '../check/write-load.js';
import { startControlPlane, type ControlPlane } from '../kube/control-plane.js';
import { TestNode } from '../node/test-node.js';
import { repoRoot } from '../util/files.js';
import { waitFor } from '../util/wait.js';
import { ServiceRoute } from './service-route.js';

const exec = promisify(execFile);

export interface KubeClusterOptions {
  /** First of the control plane's five ports. */
  readonly portBase: number;
  /** First of the ports (up to 100) on the `kubernetes` Service address for the pods' paths to the API. */
  readonly apiPortBase: number;
  /** Local volumes on the node: the dev overlay's three, and more for a test that scales up (default 3). */
  readonly volumes?: number;
  readonly log?: (line: string) => void;
  /** The test node's longest restart back-off (TestNodeOptions). */
  readonly maxRestartBackOffSeconds?: number;
}

/** The dev overlay's local volumes (overlays/dev/local-volumes.yaml). */
const DEV_VOLUMES = 3;

/** One more local volume like the dev overlay's, for a pod beyond its three. */
function localVolume(i: number, path: string, node: string): string {
  return `apiVersion: v1
kind: PersistentVolume
metadata:
  name: mysqlha-dev-data-${i}
spec:
  capacity: { storage: 5Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-storage
  volumeMode: Filesystem
  local: { path: "${path}" }
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - { key: kubernetes.io/hostname, operator: In, values: [${node}] }
`;
}

/** The dev overlay's namespace, where the cluster runs. */
export const DEV_NAMESPACE = 'mysqlha-dev';

/**
 * The dev overlay of this repository on a real control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) with a test node as its only node: the overlay's own Secret (`npm run dev:secret`), its local
 * PersistentVolumes pointed at folders of the node, rendered by kustomize and applied with kubectl. Everything
 * else (the pods, their claims' binding, Service endpoints, the agents' election) is done by the real
 * controllers, the scheduler, the test node and the agents themselves.
 */
export class KubeCluster {
  private constructor(
    readonly cp: ControlPlane,
    readonly node: TestNode,
    readonly namespace: string,
    /** The dev overlay's Secret values (overlays/dev/secrets/dev.env). */
    readonly secrets: Readonly<Record<string, string>>,
    /** The CA the servers' certificates chain to. */
    readonly caFile: string,
  ) {}

  static async start(options: KubeClusterOptions): Promise<KubeCluster> {
    const root = repoRoot();
    await exec(process.execPath, [join(root, 'node_modules', 'zx', 'build', 'cli.js'), join(root, 'scripts', 'dev-secret.mjs')], { cwd: root });
    const cp = await startControlPlane({ portBase: options.portBase, controllers: true, scheduler: true });
    let node: TestNode | undefined;
    try {
      node = await TestNode.start({
        api: cp.api,
        server: cp.server,
        apiPortBase: options.apiPortBase,
        ...(options.log ? { log: options.log } : {}),
        ...(options.maxRestartBackOffSeconds !== undefined ? { maxRestartBackOffSeconds: options.maxRestartBackOffSeconds } : {}),
      });
      const volumes = options.volumes ?? DEV_VOLUMES;
      const overlay = join(cp.dir, 'overlay');
      mkdirSync(overlay, { recursive: true });
      const dirs = [...Array(volumes).keys()].map((i) => {
        const dir = join(node!.dir, 'volumes', `mysql-${i}`);
        mkdirSync(dir, { recursive: true, mode: 0o750 });
        chownSync(dir, 999, 999);
        return dir;
      });
      const extra = dirs.slice(DEV_VOLUMES).map((dir, i) => {
        const file = `pv-${DEV_VOLUMES + i}.yaml`;
        writeFileSync(join(overlay, file), localVolume(DEV_VOLUMES + i, dir, node!.name));
        return `  - ${file}`;
      });
      // The dev overlay's own volumes, on this node's folders.
      const patches = dirs.slice(0, DEV_VOLUMES).map((dir, i) =>
        [
          `  - target: { kind: PersistentVolume, name: mysqlha-dev-data-${i} }`,
          '    patch: |-',
          `      - { op: replace, path: /spec/local/path, value: "${dir}" }`,
          `      - { op: replace, path: /spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values/0, value: ${node!.name} }`,
        ].join('\n'),
      );
      writeFileSync(join(overlay, 'kustomization.yaml'), ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', `  - ${relative(overlay, join(root, 'overlays', 'dev'))}`, ...extra, 'patches:', ...patches, ''].join('\n'));
      const kubectl = binaryPath('kubectl');
      const rendered = (await exec(kubectl, ['kustomize', overlay], { maxBuffer: 16 << 20 })).stdout;
      writeFileSync(join(overlay, 'rendered.yaml'), rendered);
      await exec(kubectl, ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', join(overlay, 'rendered.yaml')]);
      const secrets = Object.fromEntries(
        readFileSync(join(root, 'overlays', 'dev', 'secrets', 'dev.env'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return new KubeCluster(cp, node, DEV_NAMESPACE, secrets, join(root, 'overlays', 'dev', 'secrets', 'tls', 'ca.crt'));
    } catch (error) {
      await node?.stop();
      await cp.stop();
      throw error;
    }
  }

  /** kubectl as the cluster's admin; resolves with its output, rejects with its stderr. */
  async kubectl(...args: string[]): Promise<string> {
    try {
      return (await exec(binaryPath('kubectl'), ['--kubeconfig', this.cp.kubeconfig, '-n', this.namespace, ...args])).stdout;
    } catch (error) {
      throw new Error(`kubectl ${args.join(' ')}: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
    }
  }

  async get<T>(path: string): Promise<T> {
    return (await this.cp.api.expect('GET', path)).body as T;
  }

  /** The Lease's holder, '' when none. */
  async leaseHolder(): Promise<string> {
    const lease = await this.get<{ spec: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases/mysql-leader`);
    return lease.spec.holderIdentity ?? '';
  }

  /** Waits for the Lease to name a holder other than `not`, and resolves with it. */
  waitNewHolder(not: string, timeoutMs = 60_000): Promise<string> {
    return waitFor(`a Lease holder other than ${not}`, async () => {
      const holder = await this.leaseHolder();
      return holder !== '' && holder !== not ? holder : undefined;
    }, { timeoutMs, intervalMs: 20 });
  }

  /** Pods by the role label the agents set. */
  async roles(): Promise<Record<string, string>> {
    const pods = await this.get<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>(`/api/v1/namespaces/${this.namespace}/pods`);
    return Object.fromEntries(pods.items.map((p) => [p.metadata.name, p.metadata.labels?.[ROLE_LABEL] ?? '']));
  }

  /**
   * Where the `mysql-leader` Service sends a new connection now: its ready endpoints, as the EndpointSlice
   * controller keeps them from the pods' labels and readiness.
   */
  async serviceEndpoints(service: string): Promise<{ pod: string; ip: string }[]> {
    const slices = await this.get<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { name: string } }[] }[] }>(
      `/apis/discovery.k8s.io/v1/namespaces/${this.namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`,
    );
    return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.addresses[0]).map((e) => ({ pod: e.targetRef?.name ?? '', ip: e.addresses[0]! })));
  }

  /** A connection to a server at `ip` over TLS verified against the dev CA, as the application user by default. */
  openOn(ip: string, timeoutMs: number, user: { name: string; password: string } = this.appUser()): Promise<mysql.Connection> {
    return mysql
      .createConnection({ host: ip, port: 3306, user: user.name, password: user.password, connectTimeout: timeoutMs, ssl: { ca: readFileSync(this.caFile), rejectUnauthorized: true } })
      .then((connection) => {
        connection.on('error', () => {});
        return connection;
      });
  }

  /** The dev overlay's application user (overlays/dev/users.yaml), who owns the `app` database. */
  appUser(): { name: string; password: string } {
    const password = this.secrets['user-app-password'];
    if (!password) throw new Error('the dev Secret has no user-app-password');
    return { name: 'app', password };
  }

  /**
   * An application writing to `app.acked` through the `mysql-leader` Service as the cluster routes it
   * (ServiceRoute); the table is created first, through the same route.
   */
  async writeLoad(options: { intervalMs?: number; timeoutMs?: number } = {}): Promise<{ load: WriteLoad; route: ServiceRoute }> {
    const route = await new ServiceRoute(() => this.serviceEndpoints('mysql-leader'), (ip, t) => this.openOn(ip, t), 'app.acked').ready();
    await waitFor('the leader Service to take the table', async () => {
      const pod = route.target();
      if (!pod) return false;
      const c = await route.connect(pod, 2_000);
      try {
        await c.query('CREATE TABLE IF NOT EXISTS app.acked (id BIGINT PRIMARY KEY, payload VARCHAR(64))');
        return true;
      } finally {
        c.destroy();
      }
    }, { timeoutMs: 60_000, intervalMs: 200 });
    return { load: new WriteLoad({ route, ...options }), route };
  }

  /** Each pod's server as the writable watcher samples it: at the pod's current IP, while its mysqld runs. */
  watched(pods: readonly string[]): Watched[] {
    return pods.map((name) => ({
      name,
      isRunning: () => {
        try {
          return this.node.pod(name).pid('mysql') !== undefined;
        } catch {
          return false;
        }
      },
      connect: ({ connectTimeoutMs }) => this.openOn(this.node.pod(name).podIp, connectTimeoutMs),
    }));
  }

  /**
   * One leader holding the Lease, labelled leader and the only endpoint of the leader Service, and every other
   * pod of `pods` labelled follower and ready behind the follower Service. Resolves with the leader.
   */
  waitHealthy(pods: readonly string[], timeoutMs = 120_000): Promise<string> {
    return waitFor(`one leader of ${pods.join(', ')} behind the leader Service, the others following`, async () => {
      const holder = await this.leaseHolder();
      const roles = await this.roles();
      const leaderEndpoints = await this.serviceEndpoints('mysql-leader');
      const followers = (await this.serviceEndpoints('mysql-follower')).map((e) => e.pod).sort();
      const others = pods.filter((p) => p !== holder);
      const ok =
        pods.includes(holder) &&
        roles[holder] === 'leader' &&
        others.every((p) => roles[p] === 'follower') &&
        leaderEndpoints.length === 1 &&
        leaderEndpoints[0]!.pod === holder &&
        followers.join() === [...others].sort().join();
      return ok ? holder : undefined;
    }, { timeoutMs, intervalMs: 200 });
  }

  /** Waits until every pod's server holds every acknowledged id. */
  async waitAllHave(pods: readonly string[], ids: readonly number[], timeoutMs = 30_000): Promise<void> {
    for (const pod of pods) {
      await waitFor(`${pod} to hold all ${ids.length} acknowledged writes`, async () => (await this.missingOn(pod, ids)).length === 0, { timeoutMs, intervalMs: 250 });
    }
  }

  /** The acknowledged ids a pod's server lacks, read as the application user. */
  async missingOn(pod: string, ids: readonly number[]): Promise<number[]> {
    const c = await this.openOn(this.node.pod(pod).podIp, 5_000);
    try {
      const [rows] = await c.query('SELECT id FROM app.acked');
      const present = new Set((rows as { id: number | string }[]).map((r) => Number(r.id)));
      return ids.filter((id) => !present.has(id));
    } finally {
      c.destroy();
    }
  }

  async stop(): Promise<void> {
    await this.node.stop();
    await this.cp.stop();
  }
}
