import { join } from 'node:path';
import type { ContainerSpec, Mount } from './container.js';
import { API_SERVICE_IP } from './pod-bridge.js';
import type { NodeContext } from './pod-runner.js';
import type { Container, Pod } from './pod-types.js';
import { podField, type PodVolumes } from './volumes.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What of the pod's running state a container's spec needs. */
export interface PodState {
  readonly volumes: PodVolumes;
  readonly podIp: string;
  /** The port of the pod's path to the API on the `kubernetes` Service address. */
  readonly apiPort: number;
  readonly logFile: string;
}

/**
 * A container as its pod spec and image say: the image's layers, then the volume mounts (parents before what
 * they contain), its user from the container's securityContext over the pod's (fsGroup as supplementary group),
 * command and args (the image's CMD when neither is given), and its environment.
 */
export async function containerSpec(node: NodeContext, pod: Pod, c: Container, state: PodState): Promise<ContainerSpec> {
  const name = pod.metadata.name;
  const image = node.image(c.image);
  const mounts: Mount[] = [...image.layers].map(([mountPath, hostPath]) => {
    node.ensureMountPoint(mountPath);
    return { mountPath, hostPath, readOnly: true };
  });
  for (const m of [...(c.volumeMounts ?? [])].sort((a, b) => a.mountPath.split('/').length - b.mountPath.split('/').length)) {
    node.ensureMountPoint(m.mountPath);
    const base = state.volumes.hostPath(m.name);
    mounts.push({ mountPath: m.mountPath, hostPath: m.subPath ? join(base, m.subPath) : base, readOnly: m.readOnly === true });
  }
  const podSc = pod.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const fsGroup = podSc.fsGroup;
  const argv = c.command ? [...c.command, ...(c.args ?? [])] : [...(c.args ?? image.cmd)];
  if (argv.length === 0) throw new Error(`test node: container ${c.name} of pod ${name} has no command, and its image no CMD`);
  return {
    netns: node.bridge.netns(name),
    hostname: pod.spec.hostname ?? name,
    mounts,
    runAs: {
      uid: sc.runAsUser ?? podSc.runAsUser ?? 0,
      gid: sc.runAsGroup ?? podSc.runAsGroup ?? 0,
      groups: fsGroup === undefined ? [] : [fsGroup],
      readOnlyRoot: sc.readOnlyRootFilesystem === true,
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
    },
    argv,
    env: await containerEnv(node, pod, c, image.env, state),
    logFile: state.logFile,
  };
}

/** The image's ENV, the Service variables of `kubernetes`, then the container's own env with $(VAR) expanded. */
async function containerEnv(node: NodeContext, pod: Pod, c: Container, imageEnv: Readonly<Record<string, string>>, state: PodState): Promise<Record<string, string>> {
  const port = String(state.apiPort);
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    ...imageEnv,
    HOSTNAME: pod.spec.hostname ?? pod.metadata.name,
    KUBERNETES_SERVICE_HOST: API_SERVICE_IP,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${API_SERVICE_IP}:${port}`,
  };
  const ns = pod.metadata.namespace;
  for (const v of c.env ?? []) {
    const from = v.valueFrom;
    if (from?.fieldRef) env[v.name] = podField(pod, from.fieldRef.fieldPath, state.podIp);
    else if (from?.secretKeyRef || from?.configMapKeyRef) {
      const ref = (from.secretKeyRef ?? from.configMapKeyRef)!;
      const kind = from.secretKeyRef ? 'secrets' : 'configmaps';
      const res = await node.api.request('GET', `/api/v1/namespaces/${ns}/${kind}/${ref.name}`);
      const data = (res.body as { data?: Record<string, string> } | undefined)?.data ?? {};
      const raw = res.status === 200 ? data[ref.key] : undefined;
      if (raw === undefined && !ref.optional) throw new Error(`test node: env ${v.name} of ${pod.metadata.name}/${c.name}: ${kind} ${ns}/${ref.name} has no key ${ref.key}`);
      if (raw !== undefined) env[v.name] = kind === 'secrets' ? Buffer.from(raw, 'base64').toString() : raw;
    } else env[v.name] = (v.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}
