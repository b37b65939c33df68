import { commonLabels, type ClusterSpec } from '@mysqlha/config';

export function objectMeta(spec: ClusterSpec, name: string, annotations?: Record<string, string>) {
  return {
    name,
    namespace: spec.namespace,
    labels: commonLabels(spec),
    ...(annotations ? { annotations } : {}),
  };
}
