import { resolve } from 'node:path';
import { IMAGES } from './build.js';
import { detectBuilder, imageExists, runEngine } from './builder.js';
import { containersEnv } from './containers.js';
import { imageVersion, workDir } from './repo.js';
import { createRunner } from './steps.js';

/**
 * Writes both built images, tagged with the version, into one docker-archive tarball: what `kind load
 * image-archive` (or `ctr images import`) puts into a local cluster's nodes, with no registry in between.
 */
export async function saveImages(options: { root: string; output: string }): Promise<string[]> {
  const { root } = options;
  const builder = await detectBuilder(await containersEnv(root));
  const version = imageVersion(root);
  const refs = Object.values(IMAGES).map((image) => `${image.name}:${version}`);
  for (const ref of refs) if (!(await imageExists(builder, ref))) throw new Error(`${ref} is not in ${builder.kind}'s store: run \`npm run images:build\` first`);
  const output = resolve(options.output);
  const engine = runEngine(builder);
  const runner = createRunner(workDir(root, 'logs'), undefined, 1);
  // podman names a local image localhost/<name>; a cluster asked for mysqlha/mysql:<version> looks for
  // docker.io/mysqlha/mysql:<version>, so that is the name the archive carries.
  const named = refs.map((ref) => `docker.io/${ref}`);
  await runner.step(`save ${named.join(', ')} to ${output}`, async () => {
    if (engine === 'podman') for (const [i, ref] of refs.entries()) await runner.run('tag image', engine, ['tag', ref, named[i]!], { env: builder.env });
    await runner.run('save images', engine, ['save', ...(engine === 'podman' ? ['--multi-image-archive'] : []), '-o', output, ...named], { env: builder.env });
  });
  return named;
}
