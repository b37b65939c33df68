export { validateTargets, type ValidateOptions } from './validate.js';
export { formatFinding, formatReport, formatReportJson } from './report/format.js';
export type { Finding, Report, TargetResult } from './report/types.js';
export { main, USAGE } from './cli.js';
export { POLICIES, ENVIRONMENT_ANNOTATION, GENERATED_FROM_ANNOTATION, GENERATED_FROM_LOCAL_ENV_FILE } from './policy/index.js';
export { KUBERNETES_VERSION, STAGES, type Stage } from './schema/index.js';
export { defaultTargets, type Target } from './targets.js';
export { validateEmbedded as checkObject } from './schema/embedded.js';
