import { POD_PATHS, type ClusterSpec, type ContainerName, type ImageRef } from '@mysqlha/config';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

/** The user the images run as: mysql's uid and gid in Debian. */
export const RUN_AS = 999;

/** Pod Security `restricted`, and a read-only root filesystem: everything writable is a volume. */
const SECURITY_CONTEXT: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const VOLUMES = {
  data: 'data',
  config: 'config',
  run: 'run',
  logs: 'logs',
  tmp: 'tmp',
  secrets: 'credentials',
  tls: 'tls',
  /** The TLS Secret's CA alone: for the init containers, which verify peers but serve nothing. */
  tlsCa: 'tls-ca',
  apiAccess: 'kube-api-access',
} as const;

/** Where client libraries look for the ServiceAccount token, its CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const mount = (name: string, mountPath: string, readOnly = false): IVolumeMount =>
  readOnly ? { name, mountPath, readOnly } : { name, mountPath };

export function imageName(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

function base(spec: ClusterSpec, name: ContainerName, image: ImageRef, command: string[]): IContainer {
  return {
    name,
    image: imageName(image),
    imagePullPolicy: 'IfNotPresent',
    command,
    resources: structuredClone(spec.resources[name]) as IContainer['resources'],
    securityContext: structuredClone(SECURITY_CONTEXT),
  };
}

const fieldEnv = (name: string, fieldPath: string): IEnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });

/** The agent image's containers all read the same settings, credentials and pod identity. */
function agentContainer(spec: ClusterSpec, name: 'init' | 'clone' | 'agent', command: string[]): IContainer {
  return {
    ...base(spec, name, spec.images.agent, command),
    env: [
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('POD_IP', 'status.podIP'),
      { name: 'MYSQLHA_CONFIG', value: POD_PATHS.agentConfig },
      { name: 'MYSQLHA_SECRETS_DIR', value: POD_PATHS.secretsDir },
    ],
    volumeMounts: [
      mount(VOLUMES.config, POD_PATHS.configDir, true),
      mount(VOLUMES.run, POD_PATHS.runDir),
      mount(VOLUMES.data, POD_PATHS.dataVolume),
      mount(VOLUMES.secrets, POD_PATHS.secretsDir, true),
      mount(name === 'agent' ? VOLUMES.tls : VOLUMES.tlsCa, POD_PATHS.tlsDir, true),
      mount(VOLUMES.tmp, POD_PATHS.tmpDir),
      // Only the agent image's containers call the API: the token is mounted here and nowhere else.
      mount(VOLUMES.apiAccess, SERVICE_ACCOUNT_DIR, true),
    ],
  };
}

export function initContainers(spec: ClusterSpec): IContainer[] {
  return [agentContainer(spec, 'init', ['agent', 'init']), agentContainer(spec, 'clone', ['agent', 'clone'])];
}

const PING: IProbe['exec'] = { command: ['mariadb-admin', '--no-defaults', `--socket=${POD_PATHS.socket}`, 'ping'] };

function mysqlContainer(spec: ClusterSpec): IContainer {
  return {
    // The image's wrapper execs mariadbd, or first waits while the agent re-clones a diverged datadir.
    ...base(spec, 'mysql', spec.images.mysql, ['mysqlha-mysqld', `--defaults-file=${POD_PATHS.serverConfig}`]),
    ports: [{ name: 'mysql', containerPort: spec.ports.mysql, protocol: 'TCP' }],
    // Crash recovery of a large buffer pool may take long; liveness only starts once the server answers.
    startupProbe: { exec: PING, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 720 },
    livenessProbe: { exec: PING, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    readinessProbe: { exec: PING, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
    // mysqld keeps serving until the agent has handed the Lease to a follower.
    lifecycle: { preStop: { exec: { command: ['/usr/local/bin/mysqlha-prestop'] } } },
    volumeMounts: [
      mount(VOLUMES.run, POD_PATHS.runDir),
      mount(VOLUMES.data, POD_PATHS.dataVolume),
      mount(VOLUMES.logs, POD_PATHS.logDir),
      mount(VOLUMES.tmp, POD_PATHS.tmpDir),
      // my.cnf's ssl_cert, ssl_key and ssl_ca; a renewal reaches the files in place and the agent has mariadbd reload them.
      mount(VOLUMES.tls, POD_PATHS.tlsDir, true),
    ],
  };
}

function runningAgent(spec: ClusterSpec): IContainer {
  return {
    ...agentContainer(spec, 'agent', ['agent', 'run']),
    ports: [
      { name: 'agent', containerPort: spec.ports.agent, protocol: 'TCP' },
      { name: 'clone', containerPort: spec.ports.clone, protocol: 'TCP' },
      { name: 'metrics', containerPort: spec.ports.metrics, protocol: 'TCP' },
    ],
    // Readiness routes traffic: a stale leader or a lagging follower drops out within seconds, yet one
    // slow answer under load does not take the leader out of its Service.
    readinessProbe: { httpGet: { path: '/readyz', port: 'agent' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'agent' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
  };
}

function slowlogContainer(spec: ClusterSpec): IContainer {
  const logDirExists: IProbe = { exec: { command: ['test', '-d', POD_PATHS.logDir] }, periodSeconds: 30, timeoutSeconds: 5 };
  return {
    ...base(spec, 'slowlog', spec.images.mysql, ['tail', '-n0', '-F', POD_PATHS.slowLog]),
    readinessProbe: logDirExists,
    livenessProbe: logDirExists,
    volumeMounts: [mount(VOLUMES.logs, POD_PATHS.logDir, true)],
  };
}

export function containers(spec: ClusterSpec): IContainer[] {
  return [mysqlContainer(spec), runningAgent(spec), slowlogContainer(spec)];
}
