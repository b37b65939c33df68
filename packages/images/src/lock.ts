import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `images.lock.json` at the repository root: what the last `images:build` produced. */
export const LOCK_FILE = 'images.lock.json';

export interface LockedImage {
  /** The name manifests use, e.g. `mysqlha/mysql`. */
  name: string;
  tags: string[];
  /** Local image ID (config digest); differs from the registry digest. */
  imageId: string;
  sizeBytes: number;
  /** Set once pushed: the repository and the manifest digest the registry stored. */
  pushed?: { repository: string; digest: string };
}

export interface ImagesLock {
  version: string;
  gitSha: string;
  builder: string;
  builtAt: string;
  images: Record<string, LockedImage>;
}

export async function writeLock(root: string, lock: ImagesLock): Promise<string> {
  const path = join(root, LOCK_FILE);
  await writeFile(path, `${JSON.stringify(lock, null, 2)}\n`);
  return path;
}

export async function readLock(root: string): Promise<ImagesLock> {
  const path = join(root, LOCK_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} not found: run \`npm run images:build -- --push REGISTRY\` first`);
  }
  const lock = JSON.parse(text) as Partial<ImagesLock>;
  if (!lock.images || typeof lock.images !== 'object') throw new Error(`${path}: expected an "images" object`);
  return lock as ImagesLock;
}
