import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeApi, startControlPlane, stopAll, waitFor, type ControlPlane } from '@mysqlha/testkit';

const BASE = fileURLToPath(new URL('../../base/', import.meta.url));
const NS = 'mysqlha';

interface Manifest {
  kind: string;
  metadata: { name: string };
  subjects?: { namespace?: string }[];
}

/** The generated base's objects of one kind, as shipped. */
function base(kind: string): Manifest[] {
  return readdirSync(BASE)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => parse(readFileSync(BASE + f, 'utf8')) as Manifest)
    .filter((o) => o.kind === kind);
}

// The ServiceAccount, Role, RoleBinding and admission policy of base/, on a real kube-apiserver (17500).
describe('the agent ServiceAccount on a real API server: RBAC plus the admission policy', () => {
  let cp: ControlPlane;
  let agent: KubeApi;
  const patch = (as: KubeApi, body: unknown, query = '') =>
    as.request('PATCH', `/api/v1/namespaces/${NS}/pods/mysql-0${query}`, { body, contentType: 'application/merge-patch+json' });

  beforeAll(async () => {
    cp = await startControlPlane({ portBase: 17500 });
    await cp.api.expect('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
    const [sa] = base('ServiceAccount');
    await cp.api.expect('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { body: sa });
    await cp.api.expect('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, { body: base('Role')[0] });
    const binding = base('RoleBinding')[0]!;
    for (const s of binding.subjects ?? []) s.namespace = NS;
    await cp.api.expect('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, { body: binding });
    await cp.api.expect('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', { body: base('ValidatingAdmissionPolicy')[0] });
    await cp.api.expect('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', { body: base('ValidatingAdmissionPolicyBinding')[0] });
    const pod = { metadata: { name: 'mysql-0', labels: { 'app.kubernetes.io/name': 'mariadb', 'mysqlha.io/role': 'follower' } }, spec: { serviceAccountName: sa!.metadata.name, automountServiceAccountToken: false, containers: [{ name: 'mysql', image: 'mysqlha/mysql:1' }] } };
    await cp.api.expect('POST', `/api/v1/namespaces/${NS}/pods`, { body: pod });
    const token = ((await cp.api.expect('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa!.metadata.name}/token`, { body: { spec: { expirationSeconds: 600 } } })).body as { status: { token: string } }).status.token;
    agent = new KubeApi({ server: cp.server, caFile: cp.certs.caCert, token });
    // The policy applies once the API server's informer has it: wait until a forbidden change is refused
    // (as a dry run, so that a change let through before then leaves the pod as it was).
    await waitFor('the admission policy in force', async () => (await patch(agent, { metadata: { labels: { probe: String(Math.random()) } } }, '?dryRun=All')).status >= 400, { timeoutMs: 20_000 });
  }, 120_000);
  afterAll(async () => {
    agent?.close();
    await stopAll();
  });

  it('lets the agent set its pods’ role label to leader or follower, and publish its election position', async () => {
    expect((await patch(agent, { metadata: { labels: { 'mysqlha.io/role': 'leader' } } })).status).toBe(200);
    expect((await patch(agent, { metadata: { labels: { 'mysqlha.io/role': 'follower' } } })).status).toBe(200);
    const position = { metadata: { annotations: { 'mysqlha.io/election-position': '{"lease":"1","pos":"0-1-5"}' } } };
    expect((await patch(agent, position)).status).toBe(200);
  });

  it('refuses the agent any other change to a pod, and says why', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ metadata: { labels: { 'mysqlha.io/role': 'anything' } } }, /may set mysqlha.io\/role to leader or follower only/],
      [{ metadata: { labels: { 'mysqlha.io/role': null } } }, /never remove it/],
      [{ metadata: { labels: { 'app.kubernetes.io/name': 'other' } } }, /may change no label of a pod but mysqlha.io\/role/],
      [{ metadata: { annotations: { note: 'x' } } }, /may change no annotation of a pod but mysqlha.io\/election-position/],
      [{ spec: { containers: [{ name: 'mysql', image: 'attacker/image:1' }] } }, /may change nothing in a pod's spec/],
    ];
    for (const [body, why] of refusals) {
      const response = await patch(agent, body);
      expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(response.body), JSON.stringify(body)).toMatch(why);
    }
    const pod = (await cp.api.expect('GET', `/api/v1/namespaces/${NS}/pods/mysql-0`)).body as { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
    expect(pod.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'mariadb', 'mysqlha.io/role': 'follower' });
    expect(Object.keys((pod.metadata as { annotations?: object }).annotations ?? {})).toEqual(['mysqlha.io/election-position']);
    expect(pod.spec.containers[0]!.image).toBe('mysqlha/mysql:1');
  });

  it('leaves everyone else alone: an administrator still changes what the agent may not', async () => {
    expect((await patch(cp.api, { metadata: { annotations: { note: 'by an admin' } } })).status).toBe(200);
  });
});
