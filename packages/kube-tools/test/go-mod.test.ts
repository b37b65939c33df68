import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderGoMod, requiredVersions, stagingReplacements } from '../src/go-mod.js';
import { loadVersions } from '../src/versions.js';

const KUBERNETES_GO_MOD = `module k8s.io/kubernetes

go 1.25.0

godebug default=go1.25

require (
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/cri-streaming => ./staging/src/k8s.io/cri-streaming
)
`;

describe('the Go wrapper module', () => {
  it('replaces each staging module of k8s.io/kubernetes with its published release of the same Kubernetes version', () => {
    expect(stagingReplacements(KUBERNETES_GO_MOD, 'v1.35.4')).toEqual([
      '\tk8s.io/api => k8s.io/api v0.35.4',
      '\tk8s.io/client-go => k8s.io/client-go v0.35.4',
      '\tk8s.io/cri-streaming => k8s.io/cri-streaming v0.35.4',
    ]);
  });

  it('renders a go.mod that requires every pinned module, keeps the godebug defaults and lists every binary as a tool', () => {
    const text = renderGoMod(loadVersions(), KUBERNETES_GO_MOD);
    const versions = loadVersions();
    expect(text).toContain('godebug default=go1.25');
    expect(text).toContain(`\tk8s.io/kubernetes ${versions.go.kubernetes.version}\n`);
    expect(text).toContain('\tk8s.io/kubernetes/cmd/kube-apiserver\n');
    expect(text).toContain('\tgithub.com/yannh/kubeconform/cmd/kubeconform\n');
    expect(requiredVersions(text).get('go.etcd.io/etcd/server/v3')).toBe(versions.go.etcd.version);
  });

  it('refuses a go.mod of a Kubernetes layout it does not know rather than building something else', () => {
    expect(() => renderGoMod(loadVersions(), 'module k8s.io/kubernetes\n')).toThrow(/replaces no staging module/);
  });

  it('the committed tools/go.mod requires exactly what tools/versions.json pins', async () => {
    const { readFileSync } = await import('node:fs');
    const { toolsDir } = await import('../src/paths.js');
    const required = requiredVersions(readFileSync(join(toolsDir(), 'go.mod'), 'utf8'));
    for (const pinned of Object.values(loadVersions().go)) expect(required.get(pinned.module), pinned.module).toBe(pinned.version);
  });

  it('names the file and each bad field of a broken versions.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'versions-'));
    const file = join(dir, 'versions.json');
    writeFileSync(file, JSON.stringify({ go: { kubernetes: { module: 'k8s.io/kubernetes', version: '1.35' }, etcd: {}, kubeconform: { module: 'm', version: 'v0.7.0' } }, crds: { x: { module: 'm', version: 'v1.0.0' } } }));
    expect(() => loadVersions(file)).toThrow(new RegExp(`${file}:[\\s\\S]*go.kubernetes.version: expected a release like v1.2.3, got "1.35"[\\s\\S]*go.etcd.module[\\s\\S]*crds.x.dir[\\s\\S]*crds.x.embedded`));
  });
});
