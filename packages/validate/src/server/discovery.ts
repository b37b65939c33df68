import type { KubeApi } from '@mysqlha/kube-tools';

export interface Resource {
  /** `/api/v1` or `/apis/<group>/<version>` */
  readonly base: string;
  /** The resource's plural name, e.g. `statefulsets`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** The collection URL of a resource, in a namespace when it is namespaced. */
export function collectionPath(resource: Resource, namespace: string): string {
  return resource.namespaced ? `${resource.base}/namespaces/${namespace}/${resource.plural}` : `${resource.base}/${resource.plural}`;
}

/** What the API server serves: each group's versions, and each group/version's kinds and their resource names. */
export class Discovery {
  private constructor(
    private readonly versions: ReadonlyMap<string, readonly string[]>,
    private readonly kinds: ReadonlyMap<string, Resource>,
  ) {}

  static async load(api: KubeApi): Promise<Discovery> {
    const versions = new Map<string, string[]>([['', ['v1']]]);
    const groups = (await api.expect('GET', '/apis')).body as { groups: { name: string; versions: { version: string }[] }[] };
    for (const group of groups.groups) versions.set(group.name, group.versions.map((entry) => entry.version));
    const kinds = new Map<string, Resource>();
    await Promise.all(
      [...versions].flatMap(([group, list]) =>
        list.map(async (version) => {
          const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
          const resources = (await api.expect('GET', base)).body as { resources: { name: string; kind: string; namespaced: boolean }[] };
          for (const resource of resources.resources) {
            if (resource.name.includes('/')) continue;
            kinds.set(`${group === '' ? version : `${group}/${version}`}/${resource.kind}`, { base, plural: resource.name, namespaced: resource.namespaced });
          }
        }),
      ),
    );
    return new Discovery(versions, kinds);
  }

  /** Loads discovery until it lists every `group/version/Kind` given (CRDs appear there a moment after Established). */
  static async until(api: KubeApi, kinds: readonly string[], timeoutMs = 30_000): Promise<Discovery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const discovery = await Discovery.load(api);
      const missing = kinds.filter((kind) => !discovery.kinds.has(kind));
      if (missing.length === 0) return discovery;
      if (Date.now() > deadline) throw new Error(`the API server does not serve ${missing.slice(0, 3).join(', ')} after installing its CRD`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  resource(apiVersion: string, kind: string): Resource | undefined {
    return this.kinds.get(`${apiVersion}/${kind}`);
  }

  /** Why apiVersion/kind cannot be sent: the group is unknown, the version is not served, or the kind is not in it. */
  explainMissing(apiVersion: string, kind: string, release: string): { path: string; message: string } {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    const served = this.versions.get(group);
    if (!served) return { path: 'apiVersion', message: `the API group "${group}" is not served by Kubernetes ${release} (no such group, or its CRD is not installed)` };
    if (!served.includes(version)) {
      return { path: 'apiVersion', message: `${apiVersion} is not served by Kubernetes ${release}; ${group || 'the core group'} serves ${served.map((v) => (group ? `${group}/${v}` : v)).join(', ')}` };
    }
    return { path: 'kind', message: `${apiVersion} has no kind ${kind} in Kubernetes ${release}` };
  }
}
