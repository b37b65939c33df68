import { generateSchemas, installCrds, loadCrds, loadVersions, schemaDir, startControlPlane, type ControlPlane } from '@mysqlha/kube-tools';
import { Discovery } from './discovery.js';
import type { ServerContext } from './dry-run.js';

export interface GateServer {
  readonly context: ServerContext;
  /** The kubeconform schemas generated from this server's OpenAPI document. */
  readonly schemaDir: string;
  readonly controlPlane: ControlPlane;
  stop(): Promise<void>;
}

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

/** Loopback ports of the gate's own control plane; the tests' control planes use other ranges. */
export const GATE_PORT_BASE = 17100;

/**
 * The real API server the gate applies to: a fresh control plane with the pinned CRDs installed, and the
 * kubeconform schemas generated from its OpenAPI document (once per set of versions, then cached).
 */
export async function startGateServer(onProgress: (message: string) => void = () => {}, portBase = GATE_PORT_BASE): Promise<GateServer> {
  onProgress('server stage: starting etcd and kube-apiserver');
  const controlPlane = await startControlPlane({ portBase });
  try {
    const { api } = controlPlane;
    const versions = loadVersions();
    onProgress('server stage: installing the pinned CRDs');
    const crds = await loadCrds(versions);
    // Publishing in /openapi/v2 takes seconds; only the first run, which generates kubeconform's schemas, waits.
    await installCrds(api, crds, { openApi: !schemaDir(versions).complete });
    const schemas = await generateSchemas(api, versions);
    if (schemas.generated) onProgress(`kubeconform stage: generated ${schemas.kinds} schemas from the API server's OpenAPI document`);
    const discovery = await Discovery.until(api, crds.flatMap((crd) => crd.object.spec.versions.filter((v) => v.served).map((v) => `${crd.object.spec.group}/${v.name}/${crd.object.spec.names.kind}`)));
    const namespaces = new Map<string, Promise<void>>();
    const accounts = new Map<string, Promise<void>>();
    const createIfMissing = async (path: string, body: unknown): Promise<void> => {
      const response = await api.request('POST', path, { body });
      if (response.status >= 300 && response.status !== 409) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    };
    const context: ServerContext = {
      api,
      discovery,
      release: versions.go.kubernetes.version,
      ensureNamespace(name) {
        let done = namespaces.get(name);
        if (!done) {
          // Server-side apply: also labels a namespace that exists already (default, kube-system).
          done = api
            .expect('PATCH', `/api/v1/namespaces/${name}?fieldManager=mysqlha-validate&force=true`, {
              body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: RESTRICTED } },
              contentType: 'application/apply-patch+yaml',
            })
            .then(() => undefined);
          namespaces.set(name, done);
        }
        return done;
      },
      ensureServiceAccount(namespace, name) {
        const key = `${namespace}/${name}`;
        let done = accounts.get(key);
        if (!done) {
          done = createIfMissing(`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
          accounts.set(key, done);
        }
        return done;
      },
    };
    return { context, schemaDir: schemas.dir, controlPlane, stop: () => controlPlane.stop() };
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
}
