export * from './rbac.js';
export type * from './spec/types.js';
export { DEFAULT_CLUSTER_SPEC, IMAGE_VERSION, defaultClusterSpec } from './spec/defaults.js';
export { ClusterSpecError, loadClusterSpec, parseClusterSpec, type SpecIssue } from './spec/parse.js';
export { parseQuantity } from './spec/checks.js';
export { PER_POD_SERVER_SETTINGS, serverConfig } from './server-config.js';
export { agentSettings, type AgentSettings } from './agent-settings.js';
export { clusterNames, commonLabels, selectorLabels, ROLE_LABEL, type ClusterNames, type Role } from './names.js';
export { POD_PATHS, SECRET_KEYS, type SecretKey } from './paths.js';
