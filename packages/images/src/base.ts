import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containersEnv } from './containers.js';
import { detectBuilder, imageExists, importRootfs, type Builder } from './builder.js';
import { debianMirror, hostAptSources, imageAptSources } from './mirror.js';
import { workDir } from './repo.js';
import { createRunner, type StepLog } from './steps.js';

/** The Dockerfiles say `FROM debian:bookworm-slim`; this is the name the local base is imported under. */
export const BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';

/** Like the official slim images: no manuals, docs or translations, now or from later installs. */
const DPKG_EXCLUDES = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
`;

export interface BaseOptions {
  root: string;
  /** Rebuild even when the image is already there. */
  force?: boolean;
  log?: StepLog;
}

/**
 * Builds `debian:bookworm-slim` locally with debootstrap, so builds need no registry beyond
 * Debian's archive. Skipped when the image is already present.
 */
export async function buildBaseImage(options: BaseOptions): Promise<{ skipped: boolean; builder: Builder }> {
  const env = await containersEnv(options.root);
  const builder = await detectBuilder(env);
  const runner = createRunner(workDir(options.root, 'logs'), options.log, 3);
  if (!options.force && (await imageExists(builder, BASE_IMAGE))) {
    runner.log(`${BASE_IMAGE} is already present (${builder.kind}); nothing to do`);
    return { skipped: true, builder };
  }
  const sources = await hostAptSources();
  const mirror = debianMirror(sources);
  const rootfs = workDir(options.root, 'base', 'rootfs');
  const tarball = workDir(options.root, 'base', 'rootfs.tar');

  await runner.step('debootstrap bookworm (minbase)', async () => {
    await rm(rootfs, { recursive: true, force: true });
    await mkdir(rootfs, { recursive: true });
    await runner.run('debootstrap', 'debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror]);
  });
  await runner.step('slim the root filesystem', async () => {
    await writeFile(join(rootfs, 'etc/dpkg/dpkg.cfg.d/slim'), DPKG_EXCLUDES);
    await writeFile(join(rootfs, 'etc/apt/sources.list.d/debian.sources'), imageAptSources(sources, mirror));
    await rm(join(rootfs, 'etc/apt/sources.list'), { force: true });
    for (const dir of ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/log']) {
      await rm(join(rootfs, dir), { recursive: true, force: true });
      await mkdir(join(rootfs, dir), { recursive: true });
    }
    // Licences stay, as in the official slim images.
    await runner.run('slim the root filesystem', 'find', [join(rootfs, 'usr/share/doc'), '-type', 'f', '!', '-name', 'copyright', '-delete']);
    await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    await runner.run('slim the root filesystem', 'tar', ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  });
  await runner.step(`import as ${BASE_IMAGE}`, async () => {
    await importRootfs(runner, 'import base image', builder, tarball, BASE_IMAGE);
    await rm(workDir(options.root, 'base'), { recursive: true, force: true });
  });
  return { skipped: false, builder };
}
