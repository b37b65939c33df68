import { agentSettings, clusterNames, serverConfig, type ClusterSpec } from '@mysqlha/config';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import { objectMeta } from './meta.js';

/**
 * Application users an overlay declares replace this key (configMapGenerator, behavior: merge); their passwords
 * are keys of the credentials Secret. docs/runtime.md, "Accounts".
 */
const NO_USERS = `# Application users and their databases, kept in place by the leader's agent (docs/runtime.md, "Accounts").
# An overlay replaces this key, e.g.:
#   users:
#     - name: app            # the account, app@'%'
#       database: app        # created if missing; the user gets every privilege on it, none global
#       access: readwrite    # or readonly
#       passwordKey: user-app-password   # a key of the credentials Secret
users: []
`;

/** `my.cnf`, `agent.yaml` and `users.yaml`; credentials live in the Secret, never here. */
export function configMap(spec: ClusterSpec): IConfigMap & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(spec, clusterNames(spec).configMap),
    data: {
      'agent.yaml': stringify(agentSettings(spec)),
      'my.cnf': serverConfig(spec),
      'users.yaml': NO_USERS,
    },
  };
}
