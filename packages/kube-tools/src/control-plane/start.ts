import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApi } from '../api/client.js';
import { allTools } from '../locate.js';
import { makeCerts, type Certs } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { exited, logTail, startProcess, stopProcess, type Started } from './processes.js';

export interface ControlPlaneOptions {
  /** First of five consecutive loopback ports: etcd client, etcd peer, kube-apiserver, controller-manager, scheduler. */
  readonly portBase?: number;
  /** Also start kube-controller-manager (StatefulSets, EndpointSlices, ServiceAccount tokens, garbage collection). */
  readonly controllers?: boolean;
  /** Also start kube-scheduler. */
  readonly scheduler?: boolean;
  /** Work folder; a new temporary one by default, removed by stop() unless keep is set. */
  readonly dir?: string;
  readonly keep?: boolean;
  readonly startTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly dir: string;
  /** kubeconfig of a system:masters user, for kubectl and the tests' own calls. */
  readonly kubeconfig: string;
  readonly certs: Certs;
  /** The admin's client, already connected. */
  readonly api: KubeApi;
  readonly pids: Readonly<Record<string, number | undefined>>;
  /** Milliseconds from the call to a ready API server (and controllers, when asked for). */
  readonly startMs: number;
  stop(): Promise<void>;
}

const DEFAULT_PORT_BASE = 17000;

function checkPorts(base: number): void {
  if (!Number.isInteger(base) || base < 1024 || base + 4 >= 32768) {
    throw new Error(`control plane: ports ${base}..${base + 4} must be integers within 1024..32767 (below the ephemeral range)`);
  }
}

async function waitFor(what: string, started: readonly Started[], deadline: number, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const dead = started.find(exited);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${logTail(dead)}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      const last = started.at(-1);
      throw new Error(`${what} not ready in time${last ? `; ${last.name} log:\n${logTail(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts a real control plane on 127.0.0.1: etcd, kube-apiserver (RBAC, ServiceAccount tokens, PodSecurity
 * admission) and, when asked, kube-controller-manager and kube-scheduler, all from the pinned builds. Fresh
 * certificates and keys at every start; nothing listens beyond loopback; stop() ends every process by PID.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const began = Date.now();
  const tools = allTools();
  if (!tools.ok) throw new Error(`the Kubernetes tools are not built (missing: ${tools.missing.join(', ')}): run \`npm run tools\``);
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  checkPorts(base);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'mysqlha-cp-')));
  await mkdir(join(dir, 'etcd'), { recursive: true });
  const certs = await makeCerts(dir);
  const deadline = began + (options.startTimeoutMs ?? 90_000);
  const started: Started[] = [];
  const stop = async (): Promise<void> => {
    for (const process of [...started].reverse()) await stopProcess(process);
    if (!options.keep && !options.dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const etcdUrl = `http://127.0.0.1:${base}`;
    const peerUrl = `http://127.0.0.1:${base + 1}`;
    const etcd = startProcess('etcd', tools.paths.etcd, [
      '--name=mysqlha-test', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=mysqlha-test=${peerUrl}`,
      // A throwaway store: losing it on a machine crash loses nothing, and fsync would dominate start-up.
      '--unsafe-no-fsync', '--log-level=warn',
    ], join(dir, 'etcd.log'));
    started.push(etcd);
    await waitFor('etcd', started, deadline, async () => (await fetch(`${etcdUrl}/health`)).ok);

    const server = `https://127.0.0.1:${base + 2}`;
    const apiserver = startProcess('kube-apiserver', tools.paths['kube-apiserver'], [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${base + 2}`,
      `--cert-dir=${dir}`, `--tls-cert-file=${certs.serverCert}`, `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      '--authorization-mode=RBAC',
      // As kubeadm and every managed cluster do: privileged pods are then judged by Pod Security admission.
      '--allow-privileged=true',
      '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity,DefaultStorageClass,DefaultTolerationSeconds,ResourceQuota,LimitRanger,ValidatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      '--profiling=false',
    ], join(dir, 'kube-apiserver.log'));
    started.push(apiserver);
    const api = new KubeApi({ server, caFile: certs.caCert, certFile: certs.clients.admin.cert, keyFile: certs.clients.admin.key });
    await waitFor('kube-apiserver', started, deadline, async () => (await api.request('GET', '/readyz', { timeoutMs: 2_000 })).status === 200);

    const kubeconfig = await writeKubeconfig(join(dir, 'admin.kubeconfig'), server, certs.caCert, 'admin', certs.clients.admin);
    if (options.controllers) {
      const config = await writeKubeconfig(join(dir, 'kcm.kubeconfig'), server, certs.caCert, 'system:kube-controller-manager', certs.clients['kube-controller-manager']);
      started.push(startProcess('kube-controller-manager', tools.paths['kube-controller-manager'], [
        `--kubeconfig=${config}`, `--authentication-kubeconfig=${config}`, `--authorization-kubeconfig=${config}`,
        '--bind-address=127.0.0.1', `--secure-port=${base + 3}`, `--cert-dir=${dir}`,
        `--service-account-private-key-file=${certs.serviceAccountKey}`, `--root-ca-file=${certs.caCert}`,
        '--use-service-account-credentials=true', '--leader-elect=false',
        // Quick reaction to pods that a test node reports ready or gone.
        '--concurrent-statefulset-syncs=5', '--profiling=false',
      ], join(dir, 'kube-controller-manager.log')));
      // The ServiceAccount controller runs once the controllers do: its default account is the sign.
      await waitFor('kube-controller-manager', started, deadline, async () => (await api.request('GET', '/api/v1/namespaces/default/serviceaccounts/default', { timeoutMs: 2_000 })).status === 200);
    }
    if (options.scheduler) {
      const config = await writeKubeconfig(join(dir, 'scheduler.kubeconfig'), server, certs.caCert, 'system:kube-scheduler', certs.clients['kube-scheduler']);
      started.push(startProcess('kube-scheduler', tools.paths['kube-scheduler'], [
        `--kubeconfig=${config}`, `--authentication-kubeconfig=${config}`, `--authorization-kubeconfig=${config}`,
        '--bind-address=127.0.0.1', `--secure-port=${base + 4}`, `--cert-dir=${dir}`, '--leader-elect=false', '--profiling=false',
      ], join(dir, 'kube-scheduler.log')));
    }
    return {
      server,
      dir,
      kubeconfig,
      certs,
      api,
      pids: Object.fromEntries(started.map((process) => [process.name, process.child.pid])),
      startMs: Date.now() - began,
      stop: async () => {
        api.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
