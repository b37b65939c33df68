import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stageAgentContext } from './agent-context.js';
import { BASE_IMAGE } from './base.js';
import { buildImage, detectBuilder, imageExists, inspectImage, pushImage } from './builder.js';
import { containersEnv } from './containers.js';
import { writeLock, type ImagesLock, type LockedImage } from './lock.js';
import { gitShortSha, imageVersion, workDir } from './repo.js';
import { createRunner, StepError, type StepLog } from './steps.js';

/** The images this repository builds; `name` is what the manifests reference. */
export const IMAGES = {
  mysql: { name: 'mysqlha/mysql', dockerfile: 'docker/mysql/Dockerfile' },
  agent: { name: 'mysqlha/agent', dockerfile: 'docker/agent/Dockerfile' },
} as const;

export type ImageKey = keyof typeof IMAGES;

export interface BuildOptions {
  root: string;
  /** Registry to push to, e.g. `registry.example.com/team`; images go to `<registry>/mysqlha/<image>`. */
  push?: string;
  log?: StepLog;
}

/** Builds both images, tags them with the version and the commit, optionally pushes, and writes images.lock.json. */
export async function buildImages(options: BuildOptions): Promise<ImagesLock> {
  const { root } = options;
  const env = await containersEnv(root);
  const builder = await detectBuilder(env);
  const runner = createRunner(workDir(root, 'logs'), options.log, options.push ? 4 : 2);
  runner.log(`building with ${builder.kind}`);
  if (!(await imageExists(builder, BASE_IMAGE))) {
    throw new Error(`base image ${BASE_IMAGE} is missing from ${builder.kind}'s store: run \`npm run images:base\` first`);
  }
  const version = imageVersion(root);
  const sha = await gitShortSha(root);
  const tags = [version, sha];
  const lock: ImagesLock = { version, gitSha: sha, builder: builder.kind, builtAt: new Date().toISOString(), images: {} };

  const contexts: Record<ImageKey, () => Promise<string>> = {
    mysql: async () => join(root, 'docker/mysql'),
    agent: () => stageAgentContext(root, runner),
  };
  for (const key of Object.keys(IMAGES) as ImageKey[]) {
    const image = IMAGES[key];
    await runner.step(`build ${image.name}:${version} (${tags.join(', ')})`, async () => {
      const context = await contexts[key]();
      await buildImage(runner, `build ${key} image`, builder, {
        dockerfile: join(root, image.dockerfile),
        context,
        tags: tags.map((tag) => `${image.name}:${tag}`),
      });
      const facts = await inspectImage(builder, `${image.name}:${version}`);
      const entry: LockedImage = { name: image.name, tags, imageId: facts.id, sizeBytes: facts.sizeBytes };
      lock.images[key] = entry;
      runner.log(`  ${image.name}: ${(facts.sizeBytes / 1e6).toFixed(0)} MB, id ${facts.id.slice(0, 19)}`);
    });
  }

  if (options.push) {
    const registry = options.push.replace(/\/+$/, '');
    for (const key of Object.keys(IMAGES) as ImageKey[]) {
      const image = IMAGES[key];
      const repository = `${registry}/${image.name}`;
      await runner.step(`push ${repository}`, async () => {
        const digestDir = workDir(root, 'images', 'digests');
        await mkdir(digestDir, { recursive: true });
        const digestFile = join(digestDir, `${key}.digest`);
        for (const tag of tags) {
          try {
            await pushImage(runner, `push ${key} image`, builder, `${image.name}:${tag}`, `${repository}:${tag}`, digestFile);
          } catch (error) {
            if (error instanceof StepError) throw new StepError(error.step, `could not push ${repository}:${tag} (is the registry reachable, and are you logged in with push rights?): ${error.detail}`);
            throw error;
          }
        }
        const digest = (await readFile(digestFile, 'utf8')).trim();
        if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`push of ${repository} gave no digest (got "${digest}")`);
        lock.images[key]!.pushed = { repository, digest };
        runner.log(`  ${repository}@${digest}`);
      });
    }
  }
  const path = await writeLock(root, lock);
  runner.log(`wrote ${path}`);
  return lock;
}
