import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('image-update markers in the overlays a GitOps engine syncs', () => {
  for (const env of ['staging', 'prod']) {
    it(`${env}: every pinned image carries a Flux marker on its name and its digest, naming a policy of ${env}`, async () => {
      const doc = parseDocument(await readFile(join(REPO, 'overlays', env, 'kustomization.yaml'), 'utf8'));
      const images = doc.get('images', true);
      expect(isSeq(images)).toBe(true);
      const seen: string[] = [];
      for (const entry of isSeq(images) ? images.items : []) {
        if (!isMap(entry)) throw new Error('an images entry is not a mapping');
        const image = String(entry.get('name')).replace(/^mysqlha\//, '');
        for (const [field, setter] of [['newName', 'name'], ['digest', 'digest']] as const) {
          const node = entry.get(field, true);
          expect(isScalar(node) ? node.comment?.trim() : undefined, `${image} ${field}`).toBe(` {"$imagepolicy": "flux-system:mysqlha-${image}-${env}:${setter}"}`.trim());
        }
        seen.push(image);
      }
      expect(seen.sort()).toEqual(['agent', 'mysql']);
    });
  }
});
