export { main, runCaptured, type Io } from './cli.js';
export { Api, CliError } from './api.js';
export { clusterView, formatView, type ClusterView, type PodView } from './status.js';
export { switchover, type SwitchoverOutcome } from './switchover.js';
export type { AgentRoute, Target } from './cluster.js';
