import { isExampleRepository } from '../gitops/sync-sources.js';
import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy, type PolicyContext } from './types.js';

const DIGEST = /@sha256:([0-9a-f]{64})$/;
const PLACEHOLDER = /^0{64}$/;

/** In staging and prod every image is pinned by digest, so what was reviewed (and tested in staging) is what runs. */
const PINNED_ENVIRONMENTS = new Set(['staging', 'prod']);

/**
 * A placeholder digest names no image: pods would never start. It may stay only while no GitOps engine can sync
 * the repository, i.e. while every GitOps object still points at a host reserved for examples.
 */
function placeholderAllowed({ syncSources }: PolicyContext): boolean {
  return syncSources !== undefined && syncSources.length > 0 && syncSources.every(isExampleRepository);
}

export const imageDigest: Policy = {
  id: 'image-digest',
  needsEnvironment: true,
  check(context) {
    const { objects, environment } = context;
    if (!PINNED_ENVIRONMENTS.has(environment ?? '')) return [];
    const findings: Finding[] = [];
    const placeholders = new Set<string>();
    for (const template of podTemplates(objects)) {
      for (const { container, path, name } of containersOf(template, { init: true, regular: true })) {
        const image = container.image;
        const digest = typeof image === 'string' ? DIGEST.exec(image)?.[1] : undefined;
        if (digest === undefined) {
          findings.push(finding('image-digest', template.object, [...path, 'image'], `container "${name}" image ${JSON.stringify(image)} is not pinned by digest (@sha256:<64 hex>)`));
        } else if (PLACEHOLDER.test(digest)) {
          placeholders.add(String(image));
          if (!placeholderAllowed(context)) {
            const from = context.syncSources?.length ? `gitops/ syncs this repository from ${context.syncSources.join(', ')}` : 'no example repository says it is a template';
            findings.push(
              finding(
                'image-digest',
                template.object,
                [...path, 'image'],
                `container "${name}" image ${JSON.stringify(image)} carries the all-zero placeholder digest, which names no image, and ${from}: build, push and pin first (npm run images:build -- --push REGISTRY && npm run images:pin -- --overlay ${environment})`,
              ),
            );
          }
        }
      }
    }
    if (placeholders.size > 0 && placeholderAllowed(context)) {
      findings.push({
        rule: 'image-digest',
        message: `${[...placeholders].join(', ')}: all-zero placeholder digests, allowed while gitops/ points only at an example repository (${context.syncSources!.join(', ')}); pin them before a GitOps engine syncs this overlay`,
        note: true,
      });
    }
    return findings;
  },
};
