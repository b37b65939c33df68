import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

/** Init containers are exempt: Kubernetes rejects probes on them. */
export const probes: Policy = {
  id: 'probes',
  check({ objects }) {
    const findings: Finding[] = [];
    for (const template of podTemplates(objects)) {
      for (const { container, path, name } of containersOf(template, { init: false, regular: true })) {
        for (const probe of ['readinessProbe', 'livenessProbe']) {
          if (container[probe] === undefined) {
            findings.push(finding('probes', template.object, [...path, probe], `container "${name}" has no ${probe}`));
          }
        }
      }
    }
    return findings;
  },
};
