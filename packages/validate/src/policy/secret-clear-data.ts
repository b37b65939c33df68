import { annotationsOf, ofKind } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding, type Policy } from './types.js';

/** The dev overlay builds its Secret from a git-ignored env file and marks it with this annotation. */
export const GENERATED_FROM_ANNOTATION = 'mysqlha.io/generated-from';
export const GENERATED_FROM_LOCAL_ENV_FILE = 'local-env-file';

export const secretClearData: Policy = {
  id: 'secret-clear-data',
  check({ objects, environment }) {
    const findings: Finding[] = [];
    for (const secret of ofKind(objects, 'Secret')) {
      const generated = annotationsOf(secret)[GENERATED_FROM_ANNOTATION] === GENERATED_FROM_LOCAL_ENV_FILE;
      if (environment === 'dev' && generated) continue;
      for (const field of ['data', 'stringData']) {
        if (secret[field] === undefined) continue;
        const why = generated ? ` (${GENERATED_FROM_ANNOTATION} is honoured only in dev)` : '';
        findings.push(finding('secret-clear-data', secret, [field], `a Secret must not carry its values in the manifests; use an ExternalSecret${why}`));
      }
    }
    return findings;
  },
};
