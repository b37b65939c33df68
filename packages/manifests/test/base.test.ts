import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseClusterSpec } from '@mysqlha/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkBase, GENERATED_HEADER, isClean, renderBase, synth, writeBase } from '../src/index.js';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const committedBase = join(repo, 'base');

async function kustomize(dir: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout).map((document) => document.toJS() as Record<string, unknown>);
}

describe('base/', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mysqlha-base-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders byte-identically twice, from separately parsed specs', () => {
    const first = renderBase(parseClusterSpec({}));
    const second = renderBase(parseClusterSpec({}));
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, text] of first) expect(second.get(name), name).toBe(text);
  });

  it('writes one file per object, each headed as generated, the keys of the ConfigMap for its generator, and a kustomization listing them', () => {
    const files = renderBase();
    expect([...files.keys()]).toEqual([
      'config/agent.yaml',
      'config/my.cnf',
      'config/users.yaml',
      'externalsecret-mysql-credentials.yaml',
      'kustomization.yaml',
      'networkpolicy-mysql.yaml',
      'poddisruptionbudget-mysql.yaml',
      'role-mysql-agent.yaml',
      'rolebinding-mysql-agent.yaml',
      'service-mysql-follower.yaml',
      'service-mysql-leader.yaml',
      'service-mysql.yaml',
      'serviceaccount-mysql-agent.yaml',
      'statefulset-mysql.yaml',
      'validatingadmissionpolicy-mysqlha-mysql-agent-pod-patches.yaml',
      'validatingadmissionpolicybinding-mysqlha-mysql-agent-pod-patches.yaml',
    ]);
    for (const [name, text] of files) if (!name.startsWith('config/')) expect(text.startsWith(`${GENERATED_HEADER.join('\n')}\n`), name).toBe(true);
  });

  it('is what real `kubectl kustomize` renders back into the synthesised objects, namespace included', async () => {
    const spec = parseClusterSpec({ namespace: 'shop', name: 'orders' });
    await writeBase(dir, spec);
    // kustomize names the generated ConfigMap after its content and renames the StatefulSet's reference with it.
    const hashed = /^orders-config-[a-z0-9]{10}$/;
    const rendered = (await kustomize(dir)).map((object) => JSON.parse(JSON.stringify(object).replace(/"orders-config-[a-z0-9]{10}"/g, '"orders-config"')) as Record<string, unknown>);
    expect((await kustomize(dir)).find((object) => object.kind === 'ConfigMap')?.metadata).toMatchObject({ name: expect.stringMatching(hashed) });
    const key = (object: Record<string, unknown>) => `${String(object.kind)}/${String((object.metadata as { name: string }).name)}`;
    const expected = new Map(synth(spec).map((object) => [key(object as never), object]));
    expect(rendered.map(key).sort()).toEqual([...expected.keys()].sort());
    for (const object of rendered) expect(object, key(object)).toEqual(expected.get(key(object)));
  });

  it('renders no Secret and no data beyond the ConfigMap through kubectl kustomize', async () => {
    const rendered = await kustomize(committedBase);
    expect(rendered.filter((object) => object.kind === 'Secret')).toEqual([]);
    expect(rendered.filter((object) => 'data' in object || 'stringData' in object).map((object) => object.kind)).toEqual(['ConfigMap']);
  });

  it('rolls the pods when an overlay changes a key of the ConfigMap, and not otherwise', async () => {
    const overlay = join(dir, 'overlay');
    await cp(committedBase, join(overlay, 'base'), { recursive: true });
    const configVolume = async (overrides: string): Promise<unknown> => {
      await writeFile(join(overlay, 'server-overrides.cnf'), overrides);
      await writeFile(
        join(overlay, 'kustomization.yaml'),
        'resources: [base]\nconfigMapGenerator:\n  - name: mysql-config\n    behavior: merge\n    files: [server-overrides.cnf]\n',
      );
      const set = (await kustomize(overlay)).find((object) => object.kind === 'StatefulSet') as { spec: { template: { spec: { volumes: { name: string; configMap?: { name: string } }[] } } } };
      return set.spec.template.spec.volumes.find((volume) => volume.name === 'config')?.configMap?.name;
    };
    const before = await configVolume('[mysqld]\nmax_connections = 500\n');
    expect(await configVolume('[mysqld]\nmax_connections = 500\n')).toBe(before);
    expect(await configVolume('[mysqld]\nmax_connections = 3000\n')).not.toBe(before);
  });

  it('is committed up to date', async () => {
    expect(await checkBase(committedBase)).toEqual({ stale: [], missing: [], extra: [] });
  });
});

describe('generate --check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mysqlha-check-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a hand-edited, a missing and an extra file, and writeBase repairs all three', async () => {
    await writeBase(dir);
    expect(isClean(await checkBase(dir))).toBe(true);
    const edited = join(dir, 'statefulset-mysql.yaml');
    await writeFile(edited, (await readFile(edited, 'utf8')).replace('replicas: 3', 'replicas: 5'));
    await unlink(join(dir, 'service-mysql-leader.yaml'));
    await writeFile(join(dir, 'secret-mysql.yaml'), 'kind: Secret\n');
    expect(await checkBase(dir)).toEqual({
      stale: ['statefulset-mysql.yaml'],
      missing: ['service-mysql-leader.yaml'],
      extra: ['secret-mysql.yaml'],
    });
    await writeBase(dir);
    expect(await checkBase(dir)).toEqual({ stale: [], missing: [], extra: [] });
  });

  it('exits non-zero from the real script and names each file, writing nothing', async () => {
    const copy = join(dir, 'copy');
    await cp(committedBase, copy, { recursive: true });
    const script = join(repo, 'scripts', 'generate.mjs');
    const zx = join(repo, 'node_modules', '.bin', 'zx');
    await expect(run(zx, [script, '--check', '--dir', copy], { cwd: repo })).resolves.toMatchObject({ stdout: expect.stringContaining('up to date') });

    const kustomization = join(copy, 'kustomization.yaml');
    const before = `${await readFile(kustomization, 'utf8')}# edited\n`;
    await writeFile(kustomization, before);
    await unlink(join(copy, 'networkpolicy-mysql.yaml'));
    const failure = await run(zx, [script, '--check', '--dir', copy], { cwd: repo }).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toMatch(/kustomization\.yaml: stale/);
    expect(stderr).toMatch(/networkpolicy-mysql\.yaml: missing/);
    expect(await readFile(kustomization, 'utf8')).toBe(before);
  });
});
