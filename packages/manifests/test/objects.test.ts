import { AGENT_RBAC_RULES, agentSettings, DEFAULT_CLUSTER_SPEC, parseClusterSpec, serverConfig } from '@mysqlha/config';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { checkObject } from '@mysqlha/validate';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { synth, type KubeObject } from '../src/index.js';

const objects = synth();

function one<K extends KubeObject['kind']>(kind: K, name?: string): Extract<KubeObject, { kind: K }> {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0] as Extract<KubeObject, { kind: K }>;
}

const podSpec = () => one('StatefulSet').spec!.template.spec!;
const allContainers = (): IContainer[] => [...(podSpec().initContainers ?? []), ...podSpec().containers];

describe('synth', () => {
  it('produces the objects of docs/runtime.md and nothing else', () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/mysql-config',
      'ExternalSecret/mysql-credentials',
      'NetworkPolicy/mysql',
      'PodDisruptionBudget/mysql',
      'Role/mysql-agent',
      'RoleBinding/mysql-agent',
      'Service/mysql',
      'Service/mysql-follower',
      'Service/mysql-leader',
      'ServiceAccount/mysql-agent',
      'StatefulSet/mysql',
      'ValidatingAdmissionPolicy/mysqlha-mysql-agent-pod-patches',
      'ValidatingAdmissionPolicyBinding/mysqlha-mysql-agent-pod-patches',
    ]);
  });

  it('labels every object and puts it in the spec namespace', () => {
    for (const object of objects) {
      expect(object.metadata.namespace).toBe('mysqlha');
      expect(object.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'mariadb',
        'app.kubernetes.io/instance': 'mysql',
        'app.kubernetes.io/component': 'database',
        'app.kubernetes.io/part-of': 'mysqlha',
        'app.kubernetes.io/version': '10.11',
        'app.kubernetes.io/managed-by': 'mysqlha',
      });
    }
  });

  it('gives objects that the offline validator accepts: served by the pinned Kubernetes and CRDs, strict schemas', async () => {
    for (const object of objects) expect(await checkObject(object as Record<string, unknown>), `${object.kind}/${object.metadata.name}`).toEqual([]);
  });

  it('selects the pods of the StatefulSet from every Service, the role Services by the agent-set label', () => {
    const set = one('StatefulSet');
    const podLabels = set.spec!.template.metadata!.labels!;
    expect(set.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'mysql', 'app.kubernetes.io/part-of': 'mysqlha' });
    // The API server refuses any change to volumeClaimTemplates: nothing there may change with a release.
    expect(set.spec!.volumeClaimTemplates![0]!.metadata!.labels).not.toHaveProperty(['app.kubernetes.io/version']);
    for (const [key, value] of Object.entries(set.spec!.selector.matchLabels!)) expect(podLabels[key]).toBe(value);
    const services = objects.filter((object) => object.kind === 'Service');
    expect(services).toHaveLength(3);
    for (const service of services) {
      const { 'mysqlha.io/role': role, ...rest } = service.spec!.selector!;
      for (const [key, value] of Object.entries(rest)) expect(podLabels[key], `${service.metadata.name} selects ${key}`).toBe(value);
      expect(Object.keys(rest).length).toBeGreaterThan(0);
      const expectedRole = { mysql: undefined, 'mysql-leader': 'leader', 'mysql-follower': 'follower' }[service.metadata.name];
      expect(role).toBe(expectedRole);
    }
    const headless = one('Service', 'mysql').spec!;
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(set.spec!.serviceName).toBe('mysql');
    const selectors = [one('PodDisruptionBudget').spec!.selector!.matchLabels, one('NetworkPolicy').spec!.podSelector.matchLabels];
    for (const selector of selectors) for (const [key, value] of Object.entries(selector!)) expect(podLabels[key]).toBe(value);
  });

  it('grants the agent exactly AGENT_RBAC_RULES, on its own Lease and pods where RBAC can name them, bound to its ServiceAccount', () => {
    const rules = one('Role').rules!.map((rule) => ({ apiGroup: rule.apiGroups![0], resource: rule.resources![0], verbs: rule.verbs }));
    expect(rules).toEqual(AGENT_RBAC_RULES.map(({ apiGroup, resource, verbs }) => ({ apiGroup, resource, verbs })));
    const names = one('Role').rules!.map((rule) => rule.resourceNames);
    expect(names).toEqual([[...Array(9).keys()].map((i) => `mysql-${i}`), undefined, ['mysql-leader'], undefined, undefined]);
    expect(one('Role').rules!.every((rule) => rule.apiGroups!.length === 1 && rule.resources!.length === 1)).toBe(true);
    expect(one('RoleBinding').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'mysql-agent' });
    expect(one('RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'mysql-agent', namespace: 'mysqlha' }]);
    expect(podSpec().serviceAccountName).toBe('mysql-agent');
  });

  it('holds no Secret and no credential value; the ExternalSecret only names where each lives', () => {
    expect(objects.some((object) => (object.kind as string) === 'Secret')).toBe(false);
    const external = one('ExternalSecret');
    expect(external.spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'mysqlha' },
      target: { name: 'mysql-credentials' },
    });
    expect(external.spec!.data).toEqual(
      ['root-password', 'replication-password', 'agent-password', 'clone-password', 'clone-token'].map((key) => ({ secretKey: key, remoteRef: { key: `mysqlha/mysql/${key}` } })),
    );
    expect(JSON.stringify(one('ConfigMap'))).not.toMatch(/password\s*=/i);
  });

  it('runs every container under Pod Security restricted with a read-only root filesystem', () => {
    expect(podSpec().securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(allContainers().map((container) => container.name)).toEqual(['init', 'clone', 'mysql', 'agent', 'slowlog']);
    for (const container of allContainers()) {
      expect(container.securityContext, container.name).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(podSpec().volumes!.some((volume) => volume.hostPath !== undefined)).toBe(false);
  });

  it('sets resources on every container and probes on every regular one', () => {
    for (const container of allContainers()) {
      for (const bound of ['requests', 'limits'] as const) {
        expect(container.resources?.[bound]?.cpu, `${container.name} ${bound}.cpu`).toBeDefined();
        expect(container.resources?.[bound]?.memory, `${container.name} ${bound}.memory`).toBeDefined();
      }
    }
    for (const container of podSpec().containers) {
      expect(container.readinessProbe, container.name).toBeDefined();
      expect(container.livenessProbe, container.name).toBeDefined();
    }
    const agent = podSpec().containers.find((container) => container.name === 'agent')!;
    expect(agent.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'agent' });
    expect(agent.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'agent' });
  });

  it('runs the commands, ports, mounts and environment of docs/runtime.md', () => {
    const byName = Object.fromEntries(allContainers().map((container) => [container.name, container]));
    expect(byName.init!.command).toEqual(['agent', 'init']);
    expect(byName.clone!.command).toEqual(['agent', 'clone']);
    expect(byName.agent!.command).toEqual(['agent', 'run']);
    expect(byName.mysql!.command).toEqual(['mysqlha-mysqld', '--defaults-file=/run/mysqlha/my.cnf']);
    expect(byName.slowlog!.command).toEqual(['tail', '-n0', '-F', '/var/log/mysql/slow.log']);
    expect(byName.mysql!.image).toBe('mysqlha/mysql:0.1.0');
    expect(byName.slowlog!.image).toBe('mysqlha/mysql:0.1.0');
    for (const name of ['init', 'clone', 'agent']) expect(byName[name]!.image).toBe('mysqlha/agent:0.1.0');
    expect(byName.mysql!.ports).toEqual([{ name: 'mysql', containerPort: 3306, protocol: 'TCP' }]);
    expect(byName.agent!.ports).toEqual([
      { name: 'agent', containerPort: 8080, protocol: 'TCP' },
      { name: 'clone', containerPort: 8081, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9104, protocol: 'TCP' },
    ]);
    expect(byName.mysql!.lifecycle!.preStop!.exec!.command).toEqual(['/usr/local/bin/mysqlha-prestop']);

    const mountsOf = (name: string) => Object.fromEntries((byName[name]!.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    const credentialsVolume = podSpec().volumes!.find((volume) => volume.secret?.secretName === 'mysql-credentials')!;
    expect(credentialsVolume.secret).toEqual({ secretName: 'mysql-credentials', defaultMode: 0o440 });
    const tlsVolume = podSpec().volumes!.find((volume) => volume.name === 'tls')!;
    expect(tlsVolume.secret).toEqual({ secretName: 'mysql-tls', defaultMode: 0o440 });
    for (const name of ['agent', 'mysql']) expect(mountsOf(name)['/var/run/secrets/mysqlha-tls'], name).toBe(tlsVolume.name);
    // The init containers verify peers and serve nothing: the CA, not the key.
    const caVolume = podSpec().volumes!.find((volume) => volume.name === 'tls-ca')!;
    expect(caVolume.secret).toEqual({ secretName: 'mysql-tls', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    for (const name of ['init', 'clone']) expect(mountsOf(name)['/var/run/secrets/mysqlha-tls'], name).toBe('tls-ca');
    for (const name of ['init', 'clone', 'agent']) {
      expect(mountsOf(name)['/var/run/secrets/mysqlha'], name).toBe(credentialsVolume.name);
      expect(mountsOf(name)['/etc/mysqlha'], name).toBe('config');
      expect(byName[name]!.env!.map((env) => env.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'POD_IP', 'MYSQLHA_CONFIG', 'MYSQLHA_SECRETS_DIR']);
      expect(byName[name]!.env!.find((env) => env.name === 'POD_IP')!.valueFrom!.fieldRef!.fieldPath).toBe('status.podIP');
    }
    for (const name of ['mysql', 'slowlog']) expect(Object.keys(mountsOf(name))).not.toContain('/var/run/secrets/mysqlha');
    expect(mountsOf('mysql')).toEqual({ '/run/mysqlha': 'run', '/var/lib/mysql': 'data', '/var/log/mysql': 'logs', '/tmp': 'tmp', '/var/run/secrets/mysqlha-tls': 'tls' });
    expect(mountsOf('slowlog')).toEqual({ '/var/log/mysql': 'logs' });
    const claim = one('StatefulSet').spec!.volumeClaimTemplates![0]!;
    expect(claim.metadata!.name).toBe('data');
    expect(claim.spec).toMatchObject({ storageClassName: 'mysqlha', resources: { requests: { storage: '10Gi' } } });
    expect(one('StatefulSet').spec!.podManagementPolicy).toBe('Parallel');
    expect(podSpec().terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('ships my.cnf and agent.yaml from @mysqlha/config in the ConfigMap, and no application user', () => {
    const data = one('ConfigMap').data!;
    expect(Object.keys(data).sort()).toEqual(['agent.yaml', 'my.cnf', 'users.yaml']);
    expect(parse(data['users.yaml']!)).toEqual({ users: [] });
    expect(parse(data['agent.yaml']!)).toEqual(agentSettings(DEFAULT_CLUSTER_SPEC));
    expect(data['my.cnf']).toBe(serverConfig(DEFAULT_CLUSTER_SPEC));
  });

  it('follows a custom ClusterSpec', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const custom = synth(
      parseClusterSpec({ name: 'orders', namespace: 'shop', replicas: 5, images: { agent: { digest } }, storage: { mode: 'dynamic', className: '', size: '50Gi' } }),
    );
    const set = custom.find((object) => object.kind === 'StatefulSet') as ReturnType<typeof one<'StatefulSet'>>;
    expect(set.metadata.name).toBe('orders');
    expect(set.spec!.replicas).toBe(5);
    expect(set.spec!.serviceName).toBe('orders');
    expect(set.spec!.template.spec!.initContainers![0]!.image).toBe(`mysqlha/agent@${digest}`);
    expect(set.spec!.volumeClaimTemplates![0]!.spec).not.toHaveProperty('storageClassName');
    expect(custom.every((object) => object.metadata.namespace === 'shop')).toBe(true);
    expect(custom.map((object) => object.metadata.name)).toContain('orders-leader');
  });
});
