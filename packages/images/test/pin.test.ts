import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinOverlay, type ImagesLock } from '../src/index.js';

const exec = promisify(execFile);
const MYSQL_DIGEST = `sha256:${'a1'.repeat(32)}`;
const AGENT_DIGEST = `sha256:${'b2'.repeat(32)}`;

const lock: ImagesLock = {
  version: '0.1.0',
  gitSha: 'abc1234',
  builder: 'podman',
  builtAt: '2026-11-22T00:00:00.000Z',
  images: {
    mysql: { name: 'mysqlha/mysql', tags: ['0.1.0', 'abc1234'], imageId: 'sha256:1', sizeBytes: 1, pushed: { repository: 'registry.example/team/mysqlha/mysql', digest: MYSQL_DIGEST } },
    agent: { name: 'mysqlha/agent', tags: ['0.1.0', 'abc1234'], imageId: 'sha256:2', sizeBytes: 1, pushed: { repository: 'registry.example/team/mysqlha/agent', digest: AGENT_DIGEST } },
  },
};

const KUSTOMIZATION = `# prod: pinned by digest
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: mysqlha
resources:
  - pod.yaml
# The all-zero digests are placeholders.
images:
  - name: mysqlha/mysql
    newName: mysqlha/mysql # {"$imagepolicy": "flux-system:mysqlha-mysql:name"}
    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 # {"$imagepolicy": "flux-system:mysqlha-mysql:digest"}
  - name: other/image
    newTag: "1.2"
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: mysql-0
spec:
  containers:
    - name: mysql
      image: mysqlha/mysql:0.1.0
    - name: agent
      image: mysqlha/agent:0.1.0
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mysqlha-pin-'));
  await writeFile(join(dir, 'kustomization.yaml'), KUSTOMIZATION);
  await writeFile(join(dir, 'pod.yaml'), POD);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('images:pin', () => {
  it('pins both images by digest so that kubectl kustomize renders repository@digest', async () => {
    await pinOverlay({ root: dir, overlay: dir, lock });
    const { stdout } = await exec('kubectl', ['kustomize', dir]);
    expect(stdout).toContain(`image: registry.example/team/mysqlha/mysql@${MYSQL_DIGEST}`);
    expect(stdout).toContain(`image: registry.example/team/mysqlha/agent@${AGENT_DIGEST}`);
  });

  it('changes only the images entries and keeps comments and other entries', async () => {
    await pinOverlay({ root: dir, overlay: dir, lock });
    const text = await readFile(join(dir, 'kustomization.yaml'), 'utf8');
    expect(text.startsWith('# prod: pinned by digest\napiVersion: kustomize.config.k8s.io/v1beta1\n')).toBe(true);
    expect(text).toContain('# The all-zero digests are placeholders.');
    expect(text).toContain('  - name: other/image\n    newTag: "1.2"');
    expect(text).not.toContain('sha256:0000');
    // The image-update markers stay on the values they mark.
    expect(text).toContain(`newName: registry.example/team/mysqlha/mysql # {"$imagepolicy": "flux-system:mysqlha-mysql:name"}`);
    expect(text).toContain(`digest: ${MYSQL_DIGEST} # {"$imagepolicy": "flux-system:mysqlha-mysql:digest"}`);
    // A second run with the same lock changes nothing.
    await pinOverlay({ root: dir, overlay: dir, lock });
    expect(await readFile(join(dir, 'kustomization.yaml'), 'utf8')).toBe(text);
  });

  it('refuses an image that was built but never pushed', async () => {
    const unpushed: ImagesLock = { ...lock, images: { ...lock.images, agent: { ...lock.images.agent!, pushed: undefined } } };
    await expect(pinOverlay({ root: dir, overlay: dir, lock: unpushed })).rejects.toThrow(/mysqlha\/agent was built but not pushed/);
    expect(await readFile(join(dir, 'kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
  });

  it('names the file when the overlay does not exist', async () => {
    await expect(pinOverlay({ root: dir, overlay: 'nope', lock })).rejects.toThrow(`${join(dir, 'overlays', 'nope', 'kustomization.yaml')} not found`);
  });
});
