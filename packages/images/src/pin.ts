import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { readLock, type ImagesLock } from './lock.js';

export interface PinOptions {
  root: string;
  /** Overlay name under overlays/ (e.g. prod), or a path to an overlay directory. */
  overlay: string;
  lock?: ImagesLock;
}

export interface PinnedImage {
  name: string;
  newName: string;
  digest: string;
}

/**
 * Sets `key` to `value` in place, so that a comment on the value survives: the image-update markers Flux and
 * Renovate read sit there (`digest: sha256:… # {"$imagepolicy": …}`).
 */
function setKeepingComment(entry: YAMLMap, key: string, value: string): void {
  const node = entry.get(key, true);
  if (isScalar(node)) node.value = value;
  else entry.set(key, value);
}

/**
 * Writes the pushed digests into the overlay's kustomization.yaml `images:` entries, as
 * `kustomize edit set image NAME=REPOSITORY@DIGEST` would: `name`, `newName`, `digest`, no
 * `newTag`. Everything else in the file, comments included, stays as it is.
 */
export async function pinOverlay(options: PinOptions): Promise<{ file: string; pinned: PinnedImage[] }> {
  const lock = options.lock ?? (await readLock(options.root));
  const dir = options.overlay.includes('/') ? options.overlay : join(options.root, 'overlays', options.overlay);
  const file = join(dir, 'kustomization.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file} not found: expected an overlay with a kustomization.yaml`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error(`${file}: expected a mapping at the top level`);

  const pinned: PinnedImage[] = Object.values(lock.images).map((image) => {
    if (!image.pushed) {
      throw new Error(`${image.name} was built but not pushed, so it has no registry digest: run \`npm run images:build -- --push REGISTRY\``);
    }
    return { name: image.name, newName: image.pushed.repository, digest: image.pushed.digest };
  });

  let images = doc.get('images', true);
  if (images === undefined) {
    images = new YAMLSeq();
    doc.set('images', images);
  }
  if (!isSeq(images)) throw new Error(`${file}: "images" must be a list`);
  for (const pin of pinned) {
    let entry = images.items.find((item) => isMap(item) && item.get('name') === pin.name) as YAMLMap | undefined;
    if (!entry) {
      entry = new YAMLMap();
      entry.set('name', pin.name);
      images.items.push(entry);
    }
    setKeepingComment(entry, 'newName', pin.newName);
    entry.delete('newTag');
    setKeepingComment(entry, 'digest', pin.digest);
  }
  await writeFile(file, doc.toString({ lineWidth: 0 }));
  return { file, pinned };
}
