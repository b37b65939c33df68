import { agentSettings, clusterNames, serverConfig, type ClusterSpec } from '@mysqlha/config';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import { objectMeta } from './meta.js';

/** `my.cnf` and `agent.yaml`; credentials live in the Secret, never here. */
export function configMap(spec: ClusterSpec): IConfigMap & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(spec, clusterNames(spec).configMap),
    data: {
      'agent.yaml': stringify(agentSettings(spec)),
      'my.cnf': serverConfig(spec),
    },
  };
}
