import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeApi } from '@mysqlha/kube-tools';
import type { FieldRef, KeyToPath, Pod, Volume } from './pod-types.js';

/** A volume's folder on the node; `refresh` rewrites it when what it projects changed (ConfigMap, Secret, token). */
interface Mounted {
  readonly dir: string;
  readonly refresh?: () => Promise<void>;
}

const TOKEN_REFRESH_AT = 0.8;

/**
 * The pod's volumes as folders under the pod's own folder on the node, as the kubelet lays them out:
 * ConfigMap, Secret, downward API and projected volumes written atomically (a `..data` link swapped to a new
 * timestamped folder, each key a link through it), owned by root with the pod's fsGroup; emptyDirs; claims
 * resolved through their bound PersistentVolume to its local path, their group set to fsGroup when the root
 * does not match (fsGroupChangePolicy OnRootMismatch). A ServiceAccount token comes from the TokenRequest API,
 * bound to the pod, and is renewed at 80% of its lifetime.
 */
export class PodVolumes {
  readonly #mounted = new Map<string, Mounted>();

  constructor(
    private readonly api: KubeApi,
    private readonly pod: Pod,
    private readonly dir: string,
  ) {}

  get fsGroup(): number | undefined {
    return this.pod.spec.securityContext?.fsGroup;
  }

  /** Every volume ready on disk; throws (the kubelet would retry) while a claim is unbound or an object missing. */
  async setUp(): Promise<void> {
    for (const volume of this.pod.spec.volumes ?? []) {
      if (this.#mounted.has(volume.name)) continue;
      this.#mounted.set(volume.name, await this.#setUp(volume));
    }
  }

  hostPath(volume: string): string {
    const m = this.#mounted.get(volume);
    if (!m) throw new Error(`test node: pod ${this.pod.metadata.name} mounts volume ${volume}, which the pod does not declare`);
    return m.dir;
  }

  /** Rewrites projected content that changed in the API (the kubelet's periodic sync). */
  async refresh(): Promise<void> {
    for (const m of this.#mounted.values()) await m.refresh?.();
  }

  async #setUp(volume: Volume): Promise<Mounted> {
    const dir = join(this.dir, 'volumes', volume.name);
    if (volume.emptyDir) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      this.#group(dir);
      return { dir };
    }
    if (volume.persistentVolumeClaim) return { dir: await this.#claim(volume.persistentVolumeClaim.claimName) };
    if (volume.configMap || volume.secret || volume.downwardAPI || volume.projected) {
      const write = async (): Promise<void> => this.#atomicWrite(dir, await this.#projected(volume));
      await write();
      return { dir, refresh: write };
    }
    throw new Error(`test node: volume ${volume.name} of pod ${this.pod.metadata.name} is of a kind this node does not provide`);
  }

  /** The files a projected-style volume holds now: path -> content and mode. */
  async #projected(volume: Volume): Promise<Map<string, { data: Buffer; mode: number }>> {
    const files = new Map<string, { data: Buffer; mode: number }>();
    const ns = this.pod.metadata.namespace;
    const put = (path: string, data: Buffer, mode: number | undefined, fallback: number): void => void files.set(path, { data, mode: mode ?? fallback });
    const fromKeys = (data: Record<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string): void => {
      for (const item of items ?? Object.keys(data).map((key) => ({ key, path: key }) as KeyToPath)) {
        const value = data[item.key];
        if (value === undefined) throw new Error(`test node: ${what} has no key ${item.key}`);
        put(item.path, value, item.mode, mode);
      }
    };
    if (volume.configMap) {
      const data = await this.#object('configmaps', volume.configMap.name, volume.configMap.optional);
      fromKeys(data, volume.configMap.items, volume.configMap.defaultMode ?? 0o644, `ConfigMap ${ns}/${volume.configMap.name}`);
    }
    if (volume.secret) {
      const data = await this.#object('secrets', volume.secret.secretName, volume.secret.optional);
      fromKeys(data, volume.secret.items, volume.secret.defaultMode ?? 0o644, `Secret ${ns}/${volume.secret.secretName}`);
    }
    if (volume.downwardAPI) {
      for (const item of volume.downwardAPI.items) put(item.path, Buffer.from(this.#field(item.fieldRef)), item.mode, volume.downwardAPI.defaultMode ?? 0o644);
    }
    for (const source of volume.projected?.sources ?? []) {
      const mode = volume.projected?.defaultMode ?? 0o644;
      if (source.configMap) fromKeys(await this.#object('configmaps', source.configMap.name, source.configMap.optional), source.configMap.items, mode, `ConfigMap ${ns}/${source.configMap.name}`);
      if (source.secret) fromKeys(await this.#object('secrets', source.secret.name, source.secret.optional), source.secret.items, mode, `Secret ${ns}/${source.secret.name}`);
      for (const item of source.downwardAPI?.items ?? []) put(item.path, Buffer.from(this.#field(item.fieldRef)), item.mode, mode);
      if (source.serviceAccountToken) put(source.serviceAccountToken.path, Buffer.from(await this.#token(source.serviceAccountToken.expirationSeconds ?? 3600, source.serviceAccountToken.audience)), undefined, mode);
    }
    return files;
  }

  #field(ref: FieldRef | undefined): string {
    return podField(this.pod, ref?.fieldPath ?? '');
  }

  async #object(kind: 'configmaps' | 'secrets', name: string, optional = false): Promise<Record<string, Buffer>> {
    const res = await this.api.request('GET', `/api/v1/namespaces/${this.pod.metadata.namespace}/${kind}/${name}`);
    if (res.status === 404 && optional) return {};
    if (res.status !== 200) throw new Error(`test node: ${kind} ${this.pod.metadata.namespace}/${name} for pod ${this.pod.metadata.name}: ${res.status}`);
    const body = res.body as { data?: Record<string, string>; binaryData?: Record<string, string> };
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(body.data ?? {})) out[k] = kind === 'secrets' ? Buffer.from(v, 'base64') : Buffer.from(v);
    for (const [k, v] of Object.entries(body.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
    return out;
  }

  #tokens = new Map<string, { token: string; renewAt: number }>();

  async #token(expirationSeconds: number, audience: string | undefined): Promise<string> {
    const key = `${expirationSeconds}|${audience ?? ''}`;
    const held = this.#tokens.get(key);
    if (held && Date.now() < held.renewAt) return held.token;
    const sa = this.pod.spec.serviceAccountName ?? 'default';
    const res = await this.api.expect('POST', `/api/v1/namespaces/${this.pod.metadata.namespace}/serviceaccounts/${sa}/token`, {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds, ...(audience ? { audiences: [audience] } : {}), boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: this.pod.metadata.name, uid: this.pod.metadata.uid } },
      },
    });
    const status = (res.body as { status: { token: string; expirationTimestamp: string } }).status;
    const lifetime = Date.parse(status.expirationTimestamp) - Date.now();
    this.#tokens.set(key, { token: status.token, renewAt: Date.now() + lifetime * TOKEN_REFRESH_AT });
    return status.token;
  }

  /** A claim's folder: the local path of the PersistentVolume bound to it. */
  async #claim(name: string): Promise<string> {
    const ns = this.pod.metadata.namespace;
    const claim = (await this.api.expect('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`)).body as { spec: { volumeName?: string }; status?: { phase?: string } };
    if (!claim.spec.volumeName || claim.status?.phase !== 'Bound') throw new Error(`claim ${ns}/${name} is not bound yet`);
    const pv = (await this.api.expect('GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`)).body as { spec: { local?: { path: string }; hostPath?: { path: string } } };
    const path = pv.spec.local?.path ?? pv.spec.hostPath?.path;
    if (!path) throw new Error(`test node: PersistentVolume ${claim.spec.volumeName} is neither local nor hostPath`);
    if (!existsSync(path)) throw new Error(`PersistentVolume ${claim.spec.volumeName}: its local path ${path} does not exist on the node`);
    const group = this.fsGroup;
    if (group !== undefined && statSync(path).gid !== group) regroup(path, group);
    return path;
  }

  #group(path: string): void {
    const group = this.fsGroup;
    if (group === undefined) return;
    chownSync(path, 0, group);
    chmodSync(path, statSync(path).mode | 0o2070);
  }

  /** The kubelet's atomic writer: readers see the old set of files or the new one, never a mix. */
  #atomicWrite(dir: string, files: Map<string, { data: Buffer; mode: number }>): void {
    mkdirSync(dir, { recursive: true });
    const dataLink = join(dir, '..data');
    const current = existsSync(dataLink) ? join(dir, readlinkSync(dataLink)) : undefined;
    if (current && same(current, files)) return;
    const next = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.hrtime.bigint()}`;
    const target = join(dir, next);
    mkdirSync(target, { recursive: true });
    for (const [path, file] of files) {
      const at = join(target, path);
      mkdirSync(dirname(at), { recursive: true });
      writeFileSync(at, file.data);
      chmodSync(at, file.mode);
      chownSync(at, 0, this.fsGroup ?? 0);
    }
    chmodSync(target, 0o755);
    const tmp = join(dir, '..data_tmp');
    rmSync(tmp, { force: true });
    symlinkSync(next, tmp);
    renameSync(tmp, dataLink);
    for (const top of new Set([...files.keys()].map((p) => p.split('/')[0]!))) {
      const link = join(dir, top);
      if (!lstatExists(link)) symlinkSync(join('..data', top), link);
    }
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('..') && entry !== '..data' && entry !== next) rmSync(join(dir, entry), { recursive: true, force: true });
      else if (!entry.startsWith('..') && ![...files.keys()].some((p) => p.split('/')[0] === entry)) rmSync(join(dir, entry), { force: true });
    }
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function same(dir: string, files: Map<string, { data: Buffer; mode: number }>): boolean {
  const listed = (d: string, prefix = ''): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listed(join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
  const have = listed(dir);
  if (have.length !== files.size) return false;
  return have.every((p) => {
    const want = files.get(p);
    if (!want) return false;
    const at = join(dir, p);
    return (statSync(at).mode & 0o7777) === want.mode && Buffer.compare(readFileSync(at), want.data) === 0;
  });
}

function regroup(path: string, group: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, st.uid, group);
  if (st.isDirectory()) {
    chmodSync(path, (st.mode & 0o7777) | 0o2070);
    for (const entry of readdirSync(path)) regroup(join(path, entry), group);
  } else {
    chmodSync(path, (st.mode & 0o7777) | 0o060);
  }
}

/** A downward-API field of the pod (env and volumes alike). */
export function podField(pod: Pod, fieldPath: string, podIp = ''): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return podIp;
    case 'metadata.labels':
      return Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations':
      return Object.entries(pod.metadata.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
      if (label) return pod.metadata.labels?.[label[1]!] ?? '';
      throw new Error(`test node: pod ${pod.metadata.name} asks for field ${fieldPath}, which this node does not provide`);
    }
  }
}
