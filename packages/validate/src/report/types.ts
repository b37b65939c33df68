/** One problem found in a target. `kind`/`name`/`path` are absent when the problem is not about one object (a render failure). */
export interface Finding {
  readonly rule: string;
  readonly message: string;
  readonly kind?: string;
  readonly name?: string;
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path?: string;
  /** The schema stages that reported this problem (absent for policies, render and YAML errors). */
  readonly stages?: readonly ('embedded' | 'kubeconform' | 'server')[];
  /** A note is told, not counted: the target passes with it. */
  readonly note?: true;
}

export interface TargetResult {
  /** The target as the user named it (relative to the working directory). */
  readonly target: string;
  readonly objects: number;
  readonly errors: readonly Finding[];
  /** What a reader should know although nothing failed (findings marked `note`). */
  readonly notes?: readonly Finding[];
  /** Environment the policies ran for, when one was found. */
  readonly environment?: string;
}

export interface Report {
  readonly targets: readonly TargetResult[];
  readonly objects: number;
  readonly errors: number;
  readonly ok: boolean;
  /** Which stages checked the objects: the embedded validator, kubeconform, the real API server. */
  readonly stages: readonly ('embedded' | 'kubeconform' | 'server')[];
}
