import { asArray, asRecord, asString, isRecord, labelsOf, type KubeObject } from '../objects.js';
import type { PathSegment } from '../report/path.js';

export interface PodTemplate {
  readonly object: KubeObject;
  /** Path of the pod spec inside the object. */
  readonly specPath: PathSegment[];
  readonly spec: Record<string, unknown>;
  readonly labels: Record<string, string>;
  /** The template's (or Pod's) metadata: labels and annotations the pod will carry. */
  readonly metadata: Record<string, unknown>;
}

export interface ContainerRef {
  readonly template: PodTemplate;
  readonly container: Record<string, unknown>;
  readonly path: PathSegment[];
  readonly name: string;
  readonly init: boolean;
  readonly ephemeral: boolean;
}

const TEMPLATE_KINDS = new Set(['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/** Every pod spec in the render: Pods, workload templates, CronJob job templates. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const kind = asString(object.kind) ?? '';
    if (kind === 'Pod' && isRecord(object.spec)) {
      const metadata = asRecord(object.metadata);
      templates.push({ object, specPath: ['spec'], spec: object.spec, labels: labelsOf(metadata.labels), metadata });
    }
    const templatePath: PathSegment[] | undefined = TEMPLATE_KINDS.has(kind)
      ? ['spec', 'template']
      : kind === 'CronJob'
        ? ['spec', 'jobTemplate', 'spec', 'template']
        : undefined;
    if (!templatePath) continue;
    const template = templatePath.reduce<unknown>((value, segment) => asRecord(value)[segment], object);
    const spec = asRecord(template).spec;
    if (!isRecord(spec)) continue;
    templates.push({
      object,
      specPath: [...templatePath, 'spec'],
      spec,
      labels: labelsOf(asRecord(asRecord(template).metadata).labels),
      metadata: asRecord(asRecord(template).metadata),
    });
  }
  return templates;
}

export function containersOf(template: PodTemplate, which: { init: boolean; regular: boolean; ephemeral?: boolean }): ContainerRef[] {
  const refs: ContainerRef[] = [];
  const lists: [string, boolean][] = [];
  if (which.init) lists.push(['initContainers', true]);
  if (which.regular) lists.push(['containers', false]);
  if (which.ephemeral) lists.push(['ephemeralContainers', false]);
  for (const [field, init] of lists) {
    asArray(template.spec[field]).forEach((container, index) => {
      if (!isRecord(container)) return;
      refs.push({
        template,
        container,
        path: [...template.specPath, field, index],
        name: asString(container.name) ?? `#${index}`,
        init,
        ephemeral: field === 'ephemeralContainers',
      });
    });
  }
  return refs;
}
