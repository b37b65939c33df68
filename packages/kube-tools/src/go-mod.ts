import type { Versions } from './versions.js';

/** The binaries built from the wrapper module, with the package each is built from. */
export const BINARIES = {
  'kube-apiserver': { from: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  'kube-controller-manager': { from: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
  'kube-scheduler': { from: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
  kubectl: { from: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
  etcd: { from: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
  kubeconform: { from: 'kubeconform', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform' },
} as const;

export type BinaryName = keyof typeof BINARIES;
export const BINARY_NAMES = Object.keys(BINARIES) as BinaryName[];

const STAGING_REPLACE = /^\s*(k8s\.io\/[a-z0-9-]+)\s+=>\s+\.\/staging\/src\//;

/**
 * k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...) at v0.0.0 and replaces them with
 * folders of its own repository, which a module download does not have. The wrapper replaces each with the
 * published v0.<minor>.<patch> of the same release instead, and takes over its godebug defaults.
 */
export function stagingReplacements(kubernetesGoMod: string, kubernetesVersion: string): string[] {
  const published = kubernetesVersion.replace(/^v1\./, 'v0.');
  return kubernetesGoMod.split('\n').flatMap((line) => {
    const match = STAGING_REPLACE.exec(line);
    return match?.[1] ? [`\t${match[1]} => ${match[1]} ${published}`] : [];
  });
}

function directive(kubernetesGoMod: string, name: 'go' | 'godebug'): string | undefined {
  return kubernetesGoMod.split('\n').find((line) => line.startsWith(`${name} `));
}

/** The wrapper module's go.mod for these versions: every binary is a `tool` of it. */
export function renderGoMod(versions: Versions, kubernetesGoMod: string): string {
  const { kubernetes, etcd, kubeconform } = versions.go;
  const replacements = stagingReplacements(kubernetesGoMod, kubernetes.version);
  if (replacements.length === 0) throw new Error(`${kubernetes.module}@${kubernetes.version}: its go.mod replaces no staging module; the wrapper does not know this layout`);
  return [
    '// Generated from versions.json by `npm run tools -- --update`; do not edit.',
    'module mysqlha.io/tools',
    '',
    directive(kubernetesGoMod, 'go') ?? 'go 1.25.0',
    '',
    ...(directive(kubernetesGoMod, 'godebug') ? [directive(kubernetesGoMod, 'godebug'), ''] : []),
    'require (',
    `\t${kubernetes.module} ${kubernetes.version}`,
    `\t${etcd.module} ${etcd.version}`,
    `\t${kubeconform.module} ${kubeconform.version}`,
    ')',
    '',
    'replace (',
    ...replacements,
    ')',
    '',
    'tool (',
    ...Object.values(BINARIES).map((binary) => `\t${binary.pkg}`),
    ')',
    '',
  ].join('\n');
}

/** The versions a go.mod requires (go mod tidy marks the tools' own modules indirect), to compare against versions.json. */
export function requiredVersions(goMod: string): Map<string, string> {
  const found = new Map<string, string>();
  let inRequire = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.trim();
    if (line === 'require (') inRequire = true;
    else if (inRequire && line === ')') inRequire = false;
    else if (inRequire || line.startsWith('require ')) {
      const [module, version] = line.replace(/^require\s+/, '').split(/\s+/);
      if (module && version) found.set(module, version);
    }
  }
  return found;
}
