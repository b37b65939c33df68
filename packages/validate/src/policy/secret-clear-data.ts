import { annotationsOf, ofKind } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding, type Policy } from './types.js';

/** The dev overlay builds its Secrets from git-ignored files and marks them with this annotation. */
export const GENERATED_FROM_ANNOTATION = 'mysqlha.io/generated-from';
export const GENERATED_FROM_LOCAL_ENV_FILE = 'local-env-file';
/** The dev TLS Secret, from the certificate files `npm run dev:secret` writes. */
export const GENERATED_FROM_LOCAL_FILES = 'local-files';
const GENERATED_LOCALLY = new Set([GENERATED_FROM_LOCAL_ENV_FILE, GENERATED_FROM_LOCAL_FILES]);

export const secretClearData: Policy = {
  id: 'secret-clear-data',
  check({ objects, environment }) {
    const findings: Finding[] = [];
    for (const secret of ofKind(objects, 'Secret')) {
      const generated = GENERATED_LOCALLY.has(String(annotationsOf(secret)[GENERATED_FROM_ANNOTATION]));
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
