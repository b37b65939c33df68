import type { Finding } from '../report/types.js';
import { certificateNames } from './certificate-names.js';
import { configMapRefs } from './configmap-refs.js';
import { gitopsPath } from './gitops-path.js';
import { imageDigest } from './image-digest.js';
import { namespaceRetained } from './namespace-retained.js';
import { podSecurity } from './pod-security.js';
import { probes } from './probes.js';
import { rbac } from './rbac.js';
import { resources } from './resources.js';
import { secretClearData } from './secret-clear-data.js';
import { secretRefs } from './secret-refs.js';
import { selectorMatch } from './selector-match.js';
import { storageMode } from './storage-mode.js';
import type { Policy, PolicyContext } from './types.js';

export type { Policy, PolicyContext } from './types.js';
export { detectEnvironment, ENVIRONMENT_ANNOTATION } from './environment.js';
export { GENERATED_FROM_ANNOTATION, GENERATED_FROM_LOCAL_ENV_FILE } from './secret-clear-data.js';

export const POLICIES: readonly Policy[] = [
  selectorMatch,
  configMapRefs,
  secretRefs,
  certificateNames,
  probes,
  resources,
  podSecurity,
  storageMode,
  namespaceRetained,
  secretClearData,
  imageDigest,
  rbac,
  gitopsPath,
];

export interface PolicyOptions {
  /** Rule ids not to run, e.g. for a partial render such as the generated base. */
  readonly skipRules?: readonly string[];
}

export function runPolicies(context: PolicyContext, options: PolicyOptions = {}): Finding[] {
  const skip = new Set(options.skipRules ?? []);
  return POLICIES.filter((policy) => !skip.has(policy.id))
    .filter((policy) => !policy.needsEnvironment || context.environment !== undefined)
    .flatMap((policy) => policy.check(context));
}
