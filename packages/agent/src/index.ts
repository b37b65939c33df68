export { loadSettings, checkTiming, envName, flagName, parseFlags, podOrdinal, SettingsError, SETTING_KEYS } from './settings/settings.js';
export type { AgentSettings, FailoverPolicy, PeerAddress, SettingsSources } from './settings/settings.js';
export { readSecret, secretValue, type SecretKey } from './settings/secrets.js';
export { divergence, formatGtidPos, gtidAtLeast, gtidEqual, mergeGtidPos, parseGtidPos, type Gtid, type GtidPos } from './db/gtid.js';
export { decide, type Action, type Decision, type Observation, type PeerView, type LeaseView, type LocalView } from './ha/decide.js';
export type { AgentStatus } from './ha/status.js';
export { peerAddress } from './ha/peers.js';
export { PeerAuth, PEER_HEADER } from './ha/peer-auth.js';
export { Kube, type KubeOptions } from './kube/client.js';
