import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** In staging and prod every image is pinned by digest, so what was reviewed (and tested in staging) is what runs. */
const PINNED_ENVIRONMENTS = new Set(['staging', 'prod']);

export const imageDigest: Policy = {
  id: 'image-digest',
  needsEnvironment: true,
  check({ objects, environment }) {
    if (!PINNED_ENVIRONMENTS.has(environment ?? '')) return [];
    const findings: Finding[] = [];
    for (const template of podTemplates(objects)) {
      for (const { container, path, name } of containersOf(template, { init: true, regular: true })) {
        const image = container.image;
        if (typeof image !== 'string' || !DIGEST.test(image)) {
          findings.push(finding('image-digest', template.object, [...path, 'image'], `container "${name}" image ${JSON.stringify(image)} is not pinned by digest (@sha256:<64 hex>)`));
        }
      }
    }
    return findings;
  },
};
