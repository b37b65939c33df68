import { kindOf, nameOf, type KubeObject } from '../objects.js';
import { formatPath, type PathSegment } from '../report/path.js';
import type { Finding } from '../report/types.js';

export interface PolicyContext {
  readonly objects: readonly KubeObject[];
  /** dev, staging, prod…; undefined when neither the objects nor the path say. */
  readonly environment?: string;
  /** Absolute path of the target (kustomization directory or YAML file). */
  readonly targetPath: string;
  /** Root of the git checkout holding the target, when there is one. */
  readonly repoRoot?: string;
  /** The repositories the GitOps objects of `repoRoot` sync from; undefined when the target is in no repository. */
  readonly syncSources?: readonly string[];
}

export interface Policy {
  readonly id: string;
  /** Environment policies are skipped when the environment is unknown. */
  readonly needsEnvironment?: boolean;
  check(context: PolicyContext): Finding[];
}

export function finding(rule: string, object: KubeObject, path: readonly PathSegment[], message: string): Finding {
  return { rule, kind: kindOf(object), name: nameOf(object), path: formatPath(path), message };
}
