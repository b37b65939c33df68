/** One problem found in a target. `kind`/`name`/`path` are absent when the problem is not about one object (a render failure). */
export interface Finding {
  readonly rule: string;
  readonly message: string;
  readonly kind?: string;
  readonly name?: string;
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path?: string;
}

export interface TargetResult {
  /** The target as the user named it (relative to the working directory). */
  readonly target: string;
  readonly objects: number;
  readonly errors: readonly Finding[];
  /** Environment the policies ran for, when one was found. */
  readonly environment?: string;
}

export interface Report {
  readonly targets: readonly TargetResult[];
  readonly objects: number;
  readonly errors: number;
  readonly ok: boolean;
  /** How objects were schema-checked: the embedded validator or kubeconform. */
  readonly schemaValidator: 'embedded' | 'kubeconform';
}
