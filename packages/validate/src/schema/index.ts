import type { KubeObject } from '../objects.js';
import type { Finding } from '../report/types.js';
import { validateEmbedded } from './embedded.js';
import { runKubeconform } from './kubeconform.js';
import { skipped } from './stages.js';

export { KUBERNETES_VERSION } from './version.js';
export { planStages, STAGES, type Stage, type StageOptions, type StagePlan } from './stages.js';

/** The embedded validator on every object the user did not ask to skip. */
export async function checkEmbedded(objects: readonly KubeObject[], skipKinds: readonly string[] | undefined): Promise<Finding[]> {
  const results = await Promise.all(objects.filter((object) => !skipped(skipKinds, object.apiVersion, object.kind)).map(validateEmbedded));
  return results.flat();
}

export async function checkKubeconform(yaml: string, kubeconform: { executable: string; version: string }, locations: readonly string[], skipKinds: readonly string[] | undefined): Promise<Finding[]> {
  return runKubeconform(kubeconform.executable, yaml, { version: kubeconform.version, locations, skipKinds: skipKinds ?? [] });
}
