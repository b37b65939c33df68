import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
} from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKube, startFakeKube, stopAll } from '../src/index.js';

// Ports 15100-15199 are this file's.
const NS = 'mysqlha';
const PODS = ['mysql-0', 'mysql-1', 'mysql-2'];

function clientsFor(kube: FakeKube, pod: string) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: kube.url, skipTLSVerify: true }],
    users: [{ name: pod, token: readFileSync(kube.tokenFile(pod), 'utf8') }],
    contexts: [{ name: 'fake', cluster: 'fake', user: pod, namespace: NS }],
    currentContext: 'fake',
  });
  return { leases: kc.makeApiClient(CoordinationV1Api), core: kc.makeApiClient(CoreV1Api) };
}

async function apiError(promise: Promise<unknown>): Promise<ApiException<string>> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApiException);
  return error as ApiException<string>;
}

const lease = (holder: string, resourceVersion?: string): V1Lease => ({
  metadata: { name: 'mysql-leader', namespace: NS, ...(resourceVersion ? { resourceVersion } : {}) },
  spec: { holderIdentity: holder, leaseDurationSeconds: 4, acquireTime: new Date(), renewTime: new Date(), leaseTransitions: 0 },
});

describe('the fake Kubernetes API server, driven by @kubernetes/client-node', () => {
  let kube: FakeKube;
  let api0: ReturnType<typeof clientsFor>;
  let api1: ReturnType<typeof clientsFor>;

  beforeAll(async () => {
    kube = await startFakeKube({ port: 15100, namespace: NS, pods: PODS });
    api0 = clientsFor(kube, 'mysql-0');
    api1 = clientsFor(kube, 'mysql-1');
  });
  afterAll(stopAll);

  it('answers 404 for a Lease nobody created yet', async () => {
    const error = await apiError(api0.leases.readNamespacedLease({ name: 'mysql-leader', namespace: NS }));
    expect(error.code).toBe(404);
    expect(JSON.parse(error.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('creates a Lease once; a second create is 409 AlreadyExists', async () => {
    const created = await api0.leases.createNamespacedLease({ namespace: NS, body: lease('mysql-0') });
    expect(created.spec?.holderIdentity).toBe('mysql-0');
    // MicroTime comes back as the RFC 3339 string the client sent (the client does not turn it into a Date).
    expect(String(created.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    const error = await apiError(api1.leases.createNamespacedLease({ namespace: NS, body: lease('mysql-1') }));
    expect(error.code).toBe(409);
    expect(JSON.parse(error.body).reason).toBe('AlreadyExists');
    expect(kube.leaseHolder()).toBe('mysql-0');
  });

  it('replaces a Lease only with the current resourceVersion (compare-and-swap)', async () => {
    const read = await api0.leases.readNamespacedLease({ name: 'mysql-leader', namespace: NS });
    const version = read.metadata!.resourceVersion!;
    const renewed = await api0.leases.replaceNamespacedLease({ name: 'mysql-leader', namespace: NS, body: lease('mysql-0', version) });
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(Number(version));

    const stale = await apiError(api1.leases.replaceNamespacedLease({ name: 'mysql-leader', namespace: NS, body: lease('mysql-1', version) }));
    expect(stale.code).toBe(409);
    expect(JSON.parse(stale.body).reason).toBe('Conflict');
    expect(kube.leaseHolder()).toBe('mysql-0');

    await api1.leases.replaceNamespacedLease({ name: 'mysql-leader', namespace: NS, body: lease('mysql-1', renewed.metadata!.resourceVersion) });
    expect(kube.timeline.holderChanges().map((r) => [r.holder, r.by])).toEqual([
      ['mysql-0', 'mysql-0'],
      ['mysql-1', 'mysql-1'],
    ]);
  });

  it('answers 404 to replacing a Lease that does not exist', async () => {
    const missing = { ...lease('mysql-0', '5'), metadata: { name: 'other', namespace: NS, resourceVersion: '5' } };
    const error = await apiError(api0.leases.replaceNamespacedLease({ name: 'other', namespace: NS, body: missing }));
    expect(error.code).toBe(404);
  });

  it('merge-patches pod labels (null removes one) and lists pods by label', async () => {
    const patch = (pod: string, labels: Record<string, string | null>) =>
      api0.core.patchNamespacedPod({ name: pod, namespace: NS, body: { metadata: { labels } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const patched = await patch('mysql-1', { 'mysqlha.io/role': 'leader' });
    expect(patched.metadata?.labels).toMatchObject({ 'mysqlha.io/role': 'leader', 'app.kubernetes.io/name': 'mariadb', 'statefulset.kubernetes.io/pod-name': 'mysql-1' });
    await patch('mysql-0', { 'mysqlha.io/role': 'follower' });
    await patch('mysql-2', { 'mysqlha.io/role': 'follower' });

    const leaders = await api1.core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/instance=mysql,mysqlha.io/role=leader' });
    expect(leaders.items.map((p) => p.metadata?.name)).toEqual(['mysql-1']);
    const followers = await api1.core.listNamespacedPod({ namespace: NS, labelSelector: 'mysqlha.io/role!=leader' });
    expect(followers.items.map((p) => p.metadata?.name)).toEqual(['mysql-0', 'mysql-2']);
    expect(kube.leader()).toBe('mysql-1');

    const removed = await patch('mysql-2', { 'mysqlha.io/role': null });
    expect(removed.metadata?.labels?.['mysqlha.io/role']).toBeUndefined();
    expect((await api0.core.readNamespacedPod({ name: 'mysql-2', namespace: NS })).metadata?.labels).not.toHaveProperty(['mysqlha.io/role']);
  });

  it('refuses a pod patch that is not a merge patch with 415', async () => {
    const error = await apiError(
      api0.core.patchNamespacedPod({ name: 'mysql-0', namespace: NS, body: [{ op: 'add', path: '/metadata/labels/mysqlha.io~1role', value: 'leader' }] }),
    );
    expect(error.code).toBe(415);
    expect(kube.pod('mysql-0').metadata.labels['mysqlha.io/role']).toBe('follower');
  });

  it('records Events with who sent them', async () => {
    await api1.core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { generateName: 'mysql-1.', namespace: NS },
        involvedObject: { kind: 'Pod', name: 'mysql-1', namespace: NS },
        reason: 'Promoted',
        message: 'lease expired, I am the most advanced of 3 reachable, promoting',
        type: 'Normal',
        firstTimestamp: new Date(),
      },
    });
    expect(kube.timeline.events).toMatchObject([{ by: 'mysql-1', reason: 'Promoted', involvedObject: 'mysql-1' }]);
  });

  it('records when two pods were labelled leader at once', async () => {
    kube.setPodLabels('mysql-2', { 'mysqlha.io/role': 'leader' });
    kube.setPodLabels('mysql-1', { 'mysqlha.io/role': 'follower' });
    const overlaps = kube.timeline.leaderOverlaps();
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]?.pods).toEqual(['mysql-1', 'mysql-2']);
    expect(kube.timeline.labels.filter((r) => r.pod === 'mysql-1').map((r) => r.role)).toEqual(['leader', 'follower']);
  });

  it('drops or hangs the requests of a partitioned pod only, until healed', async () => {
    kube.partition('mysql-0', 'drop');
    const dropped = await api0.core.readNamespacedPod({ name: 'mysql-0', namespace: NS }).then(() => 'answered', () => 'failed');
    expect(dropped).toBe('failed');
    expect((await api1.core.readNamespacedPod({ name: 'mysql-0', namespace: NS })).metadata?.name).toBe('mysql-0');

    kube.partition('mysql-0', 'hang');
    const hung = api0.core.readNamespacedPod({ name: 'mysql-0', namespace: NS }).then(() => 'answered', () => 'failed');
    const first = await Promise.race([hung, new Promise((resolve) => setTimeout(() => resolve('pending'), 300))]);
    expect(first).toBe('pending');
    kube.heal('mysql-0');
    expect(await hung).toBe('failed');
    expect((await api0.core.readNamespacedPod({ name: 'mysql-0', namespace: NS })).metadata?.name).toBe('mysql-0');
  });

  it('counts the requests of each caller', async () => {
    const before = kube.requestCounts.get('mysql-2') ?? 0;
    const api2 = clientsFor(kube, 'mysql-2');
    await api2.core.readNamespacedPod({ name: 'mysql-2', namespace: NS });
    await api2.core.listNamespacedPod({ namespace: NS });
    expect(kube.requestCounts.get('mysql-2')).toBe(before + 2);
  });

  it('rejects callers without a bearer token', async () => {
    const response = await fetch(`${kube.url}/api/v1/namespaces/${NS}/pods/mysql-0`);
    expect(response.status).toBe(401);
  });

  it('lists the calls it does not serve, so a caller needing more than the contract is visible', async () => {
    const error = await apiError(api0.core.readNamespacedService({ name: 'mysql-leader', namespace: NS }));
    expect(error.code).toBe(404);
    expect(kube.timeline.unhandled).toEqual([`GET /api/v1/namespaces/${NS}/services/mysql-leader`]);
  });
});
