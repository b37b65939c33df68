import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workDir } from './repo.js';

/**
 * The environment podman and buildah run with: the repository's containers.conf (runc, cgroupfs,
 * host network, fixed ulimits: what works on VMs without CAP_SYS_RESOURCE) and a storage.conf
 * whose image store lives under the git-ignored `.work/containers`. Docker ignores both.
 */
export async function containersEnv(root: string): Promise<NodeJS.ProcessEnv> {
  const dir = workDir(root, 'containers');
  await mkdir(dir, { recursive: true });
  const template = await readFile(join(root, 'docker/podman/storage.conf'), 'utf8');
  const storageConf = join(dir, 'storage.conf');
  await writeFile(storageConf, template.replaceAll('@WORK@', dir).replaceAll('@DRIVER@', process.env.MYSQLHA_STORAGE_DRIVER ?? 'overlay'));
  return {
    ...process.env,
    CONTAINERS_CONF: join(root, 'docker/podman/containers.conf'),
    CONTAINERS_STORAGE_CONF: storageConf,
  };
}
