import { asArray, asRecord, asString, isRecord, namespaceOf, type KubeObject } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import { containersOf, podTemplates } from './pods.js';

/** A pod's reference to a ConfigMap or Secret (a whole object, or one key of it). */
export interface Reference {
  readonly object: KubeObject;
  readonly namespace: string;
  readonly target: 'ConfigMap' | 'Secret';
  readonly name: string;
  readonly key?: string;
  readonly namePath: PathSegment[];
  readonly keyPath?: PathSegment[];
  readonly optional: boolean;
}

export function referencesIn(objects: readonly KubeObject[]): Reference[] {
  const refs: Reference[] = [];
  for (const template of podTemplates(objects)) {
    const { object } = template;
    const namespace = namespaceOf(object);
    const add = (target: Reference['target'], source: Record<string, unknown>, nameField: string, path: PathSegment[], key?: { key: unknown; path: PathSegment[] }) => {
      const name = asString(source[nameField]);
      if (name === undefined) return;
      const optional = source.optional === true;
      const keyName = key ? asString(key.key) : undefined;
      const namePath = [...path, nameField];
      if (key && keyName !== undefined) refs.push({ object, namespace, target, name, key: keyName, namePath, keyPath: key.path, optional });
      else refs.push({ object, namespace, target, name, namePath, optional });
    };
    const addWithItems = (target: Reference['target'], source: Record<string, unknown>, nameField: string, path: PathSegment[]) => {
      const items = asArray(source.items);
      if (items.length === 0) add(target, source, nameField, path);
      items.forEach((item, index) => add(target, source, nameField, path, { key: asRecord(item).key, path: [...path, 'items', index, 'key'] }));
    };

    asArray(template.spec.volumes).forEach((volume, index) => {
      const base: PathSegment[] = [...template.specPath, 'volumes', index];
      const v = asRecord(volume);
      if (isRecord(v.configMap)) addWithItems('ConfigMap', v.configMap, 'name', [...base, 'configMap']);
      if (isRecord(v.secret)) addWithItems('Secret', v.secret, 'secretName', [...base, 'secret']);
      asArray(asRecord(v.projected).sources).forEach((source, sourceIndex) => {
        const s = asRecord(source);
        const sourcePath: PathSegment[] = [...base, 'projected', 'sources', sourceIndex];
        if (isRecord(s.configMap)) addWithItems('ConfigMap', s.configMap, 'name', [...sourcePath, 'configMap']);
        if (isRecord(s.secret)) addWithItems('Secret', s.secret, 'name', [...sourcePath, 'secret']);
      });
    });

    asArray(template.spec.imagePullSecrets).forEach((ref, index) => {
      if (isRecord(ref)) add('Secret', ref, 'name', [...template.specPath, 'imagePullSecrets', index]);
    });

    for (const { container, path } of containersOf(template, { init: true, regular: true })) {
      asArray(container.env).forEach((env, index) => {
        const from = asRecord(asRecord(env).valueFrom);
        const base: PathSegment[] = [...path, 'env', index, 'valueFrom'];
        if (isRecord(from.configMapKeyRef)) {
          add('ConfigMap', from.configMapKeyRef, 'name', [...base, 'configMapKeyRef'], { key: from.configMapKeyRef.key, path: [...base, 'configMapKeyRef', 'key'] });
        }
        if (isRecord(from.secretKeyRef)) {
          add('Secret', from.secretKeyRef, 'name', [...base, 'secretKeyRef'], { key: from.secretKeyRef.key, path: [...base, 'secretKeyRef', 'key'] });
        }
      });
      asArray(container.envFrom).forEach((envFrom, index) => {
        const e = asRecord(envFrom);
        if (isRecord(e.configMapRef)) add('ConfigMap', e.configMapRef, 'name', [...path, 'envFrom', index, 'configMapRef']);
        if (isRecord(e.secretRef)) add('Secret', e.secretRef, 'name', [...path, 'envFrom', index, 'secretRef']);
      });
    }
  }
  return refs;
}
