export { startCloneDonor, type CloneDonor, type CloneDonorOptions, type CloneDonorStatus } from './donor.js';
export { runClone, type CloneResult, type RunCloneOptions } from './run.js';
export { rankDonors, type CloneCandidate } from './donor-choice.js';
export { readClonedPosition, clearClonedPosition, type ClonedPosition } from './position.js';
export { setAsideDiverged } from './diverged.js';
export { describeProgress, type CloneProgress } from './progress.js';
export type { CloneLogger } from './log.js';
export type { ServerConnection } from './defaults-file.js';
