import { asRecord } from '../objects.js';
import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

export const resources: Policy = {
  id: 'resources',
  check({ objects }) {
    const findings: Finding[] = [];
    for (const template of podTemplates(objects)) {
      for (const { container, path, name } of containersOf(template, { init: true, regular: true })) {
        const declared = asRecord(container.resources);
        for (const bound of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (asRecord(declared[bound])[resource] === undefined) {
              findings.push(finding('resources', template.object, [...path, 'resources', bound, resource], `container "${name}" sets no ${resource} ${bound.replace(/s$/, '')}`));
            }
          }
        }
      }
    }
    return findings;
  },
};
