import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi } from '../src/api/client.js';
import { startControlPlane, type ControlPlane } from '../src/control-plane/start.js';
import { allTools, binaryPath } from '../src/locate.js';
import { loadVersions } from '../src/versions.js';

/** Listening TCP sockets of a process: their local address, from /proc (IPv4 and IPv6). */
function listening(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // st 0A = LISTEN
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) addresses.push(fields[1] ?? '');
    }
  }
  return addresses;
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(allTools().ok)('startControlPlane: a real etcd, kube-apiserver, controller-manager and scheduler on loopback', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ portBase: 17300, controllers: true, scheduler: true });
  }, 120_000);
  afterAll(async () => cp?.stop());

  it('runs the pinned release, which reports its real version', () => {
    const version = loadVersions().go.kubernetes.version;
    expect(execFileSync(binaryPath('kube-apiserver'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`Kubernetes ${version}`);
  });

  it('issues ServiceAccount tokens and authorises them by RBAC alone', async () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rbac-check' } };
    await cp.api.expect('POST', '/api/v1/namespaces', { body: ns });
    await cp.api.expect('POST', '/api/v1/namespaces/rbac-check/serviceaccounts', { body: { metadata: { name: 'agent' } } });
    const token = ((await cp.api.expect('POST', '/api/v1/namespaces/rbac-check/serviceaccounts/agent/token', { body: { spec: { expirationSeconds: 600 } } })).body as { status: { token: string } }).status.token;
    const agent = new KubeApi({ server: cp.server, caFile: cp.certs.caCert, token });
    try {
      expect((await agent.request('GET', '/api/v1/namespaces/rbac-check/pods')).status).toBe(403);
      await cp.api.expect('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/rbac-check/roles', { body: { metadata: { name: 'read-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } });
      await cp.api.expect('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/rbac-check/rolebindings', {
        body: { metadata: { name: 'read-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-pods' }, subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'rbac-check' }] },
      });
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await agent.request('GET', '/api/v1/namespaces/rbac-check/pods')).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      expect((await agent.request('GET', '/api/v1/namespaces/rbac-check/secrets')).status).toBe(403);
    } finally {
      agent.close();
    }
  });

  it('enforces Pod Security admission in a namespace labelled restricted', async () => {
    await cp.api.expect('POST', '/api/v1/namespaces', { body: { metadata: { name: 'restricted', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
    const pod = { metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] } };
    const response = await cp.api.request('POST', '/api/v1/namespaces/restricted/pods?dryRun=All', { body: pod });
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).toContain('violates PodSecurity \\"restricted:latest\\": privileged');
  });

  it('runs the StatefulSet controller: it creates the pods and their claims', async () => {
    await cp.api.expect('POST', '/api/v1/namespaces', { body: { metadata: { name: 'sts' } } });
    await cp.api.expect('POST', '/apis/apps/v1/namespaces/sts/statefulsets', {
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 2,
          podManagementPolicy: 'Parallel',
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      },
    });
    let names: string[] = [];
    for (let i = 0; i < 100 && names.length < 2; i++) {
      names = ((await cp.api.expect('GET', '/api/v1/namespaces/sts/pods')).body as { items: { metadata: { name: string } }[] }).items.map((pod) => pod.metadata.name).sort();
      if (names.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(names).toEqual(['db-0', 'db-1']);
    const claims = ((await cp.api.expect('GET', '/api/v1/namespaces/sts/persistentvolumeclaims')).body as { items: { metadata: { name: string } }[] }).items.map((claim) => claim.metadata.name).sort();
    expect(claims).toEqual(['data-db-0', 'data-db-1']);
  });

  it('listens on 127.0.0.1 only', () => {
    const pids = Object.values(cp.pids).filter((pid): pid is number => pid !== undefined);
    expect(pids).toHaveLength(4);
    for (const pid of pids) {
      const addresses = listening(pid);
      expect(addresses.length, `pid ${pid}`).toBeGreaterThan(0);
      // 0100007F:PORT is 127.0.0.1 in /proc's little-endian hex; anything else (0.0.0.0, ::) is a wider bind.
      for (const address of addresses) expect(address, `pid ${pid}`).toMatch(/^0100007F:/);
    }
  });

  it('stops every process it started, by PID', async () => {
    const pids = Object.values(cp.pids);
    await cp.stop();
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  });
});
