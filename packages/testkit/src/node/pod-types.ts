/** The parts of the Pod API the test node reads and writes, as the API server sends them (JSON). */

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface FieldRef {
  fieldPath: string;
}

export interface Volume {
  name: string;
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  emptyDir?: { medium?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  downwardAPI?: { items: { path: string; fieldRef?: FieldRef; mode?: number }[]; defaultMode?: number };
  projected?: {
    defaultMode?: number;
    sources: {
      serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
      configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
      downwardAPI?: { items: { path: string; fieldRef?: FieldRef; mode?: number }[] };
    }[];
  };
}

export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: FieldRef;
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: SecurityContext;
  /** `Always` on an init container: a sidecar (restartable init container). */
  restartPolicy?: string;
}

export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    serviceAccountName?: string;
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: SecurityContext & { fsGroup?: number; fsGroupChangePolicy?: string };
    initContainers?: Container[];
    containers: Container[];
    volumes?: Volume[];
  };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}
