/** A rendered Kubernetes object, as parsed from YAML: nothing about its shape is trusted yet. */
export type KubeObject = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function kindOf(object: KubeObject): string {
  return asString(object.kind) ?? '<no kind>';
}

export function nameOf(object: KubeObject): string {
  return asString(asRecord(object.metadata).name) ?? '<no name>';
}

export function namespaceOf(object: KubeObject): string {
  return asString(asRecord(object.metadata).namespace) ?? '';
}

export function annotationsOf(object: KubeObject): Record<string, unknown> {
  return asRecord(asRecord(object.metadata).annotations);
}

export function labelsOf(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(asRecord(value))) {
    if (typeof label === 'string') labels[key] = label;
  }
  return labels;
}

export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}
