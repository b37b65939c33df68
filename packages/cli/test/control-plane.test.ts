import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, stopAll, type ControlPlane } from '@mysqlha/testkit';
import { runCaptured, type ClusterView } from '../src/index.js';

const mysqlha = (...args: string[]) => runCaptured(args);

describe('mysqlha against a real kube-apiserver: what is missing, what is refused', () => {
  let cp: ControlPlane;
  const as = () => ['--kubeconfig', cp.kubeconfig];
  beforeAll(async () => {
    cp = await startControlPlane({ portBase: 17200 });
  }, 120_000);
  afterAll(async () => {
    await cp?.stop();
    await stopAll();
  });

  it('names a missing namespace, then a missing cluster, then a cluster without pods', async () => {
    expect(await mysqlha('status', ...as(), '-n', 'nowhere')).toMatchObject({ code: 1, err: 'mysqlha status: namespace "nowhere" not found (--namespace)\n' });
    await cp.api.expect('POST', '/api/v1/namespaces', { body: { metadata: { name: 'db' } } });
    expect((await mysqlha('status', ...as(), '-n', 'db')).err).toBe('mysqlha status: no mysqlha cluster "mysql" in namespace "db": there is no StatefulSet mysql (--cluster names it)\n');
    const labels = { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'mysql', 'app.kubernetes.io/part-of': 'mysqlha' };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'mysqlha/agent:1', ports: [{ name: 'agent', containerPort: 8080 }] }] } };
    await cp.api.expect('POST', '/apis/apps/v1/namespaces/db/statefulsets', { body: { metadata: { name: 'mysql' }, spec: { serviceName: 'mysql', selector: { matchLabels: labels }, template } } });
    expect((await mysqlha('status', ...as(), '-n', 'db')).err).toBe('mysqlha status: the StatefulSet db/mysql has no pods yet\n');
  });

  it('shows a pod whose agent the API server cannot proxy to, and why; switchover names the missing Secret', async () => {
    const labels = { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'mysql', 'app.kubernetes.io/part-of': 'mysqlha', 'mysqlha.io/role': 'leader' };
    await cp.api.expect('POST', '/api/v1/namespaces/db/serviceaccounts', { body: { metadata: { name: 'default' } } }).catch(() => undefined);
    await cp.api.expect('POST', '/api/v1/namespaces/db/pods', {
      body: { metadata: { name: 'mysql-0', labels }, spec: { automountServiceAccountToken: false, containers: [{ name: 'agent', image: 'mysqlha/agent:1', ports: [{ name: 'agent', containerPort: 8080 }] }] } },
    });
    await cp.api.expect('POST', '/apis/coordination.k8s.io/v1/namespaces/db/leases', { body: { metadata: { name: 'mysql-leader' }, spec: { holderIdentity: 'mysql-0', renewTime: new Date().toISOString().replace('Z', '000Z') } } });
    const r = await mysqlha('status', ...as(), '-n', 'db', '--json');
    expect(r.code, r.err).toBe(0);
    const view = JSON.parse(r.out) as ClusterView;
    expect(view.leaseHolder).toBe('mysql-0');
    expect(view.pods).toHaveLength(1);
    expect(view.pods[0]).toMatchObject({ pod: 'mysql-0', role: 'leader', holdsLease: true, decision: null });
    // The pod has no IP (no kubelet runs it): the API server's proxy says so, and the table shows it.
    expect(view.pods[0]!.agentError).toMatch(/^the agent of mysql-0 answered \d{3}: /);
    expect((await mysqlha('status', ...as(), '-n', 'db')).out).toMatch(/^mysql-0 +leader +- +holder .*\(agent: the agent of mysql-0 answered/m);

    expect(await mysqlha('switchover', ...as(), '-n', 'db', '--to', 'mysql-4')).toMatchObject({ code: 1, err: 'mysqlha switchover: no pod "mysql-4" in cluster mysql (pods: mysql-0)\n' });
    expect((await mysqlha('switchover', ...as(), '-n', 'db')).err).toBe(
      'mysqlha switchover: the Secret db/mysql-credentials does not exist: a switchover must be signed with the cluster key\n',
    );
  });

  it('says what the API refused a user without the rights, and an unknown context', async () => {
    await cp.api.expect('POST', '/api/v1/namespaces/db/serviceaccounts', { body: { metadata: { name: 'nobody' } } });
    const token = ((await cp.api.expect('POST', '/api/v1/namespaces/db/serviceaccounts/nobody/token', { body: { spec: { expirationSeconds: 600 } } })).body as { status: { token: string } }).status.token;
    const kubeconfig = join(cp.dir, 'nobody.kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: cp, cluster: {server: "${cp.server}", certificate-authority: "${cp.certs.caCert}"}}]\nusers: [{name: nobody, user: {token: "${token}"}}]\ncontexts: [{name: cp, context: {cluster: cp, user: nobody, namespace: db}}]\ncurrent-context: cp\n`);
    const refused = await mysqlha('status', '--kubeconfig', kubeconfig);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^mysqlha status: the API refused to list pods in namespace db: 403 pods is forbidden: User "system:serviceaccount:db:nobody" cannot list resource "pods"/);
    expect(refused.err, 'the token never appears').not.toContain(token);
    expect((await mysqlha('status', '--kubeconfig', kubeconfig, '--context', 'prod')).err).toBe('mysqlha status: no context "prod" in the kubeconfig (contexts: cp)\n');
  });
});
