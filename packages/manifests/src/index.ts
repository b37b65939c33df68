export { synth } from './synth.js';
export { renderBase, KUSTOMIZATION } from './render.js';
export { toYaml, fileName, GENERATED_HEADER } from './serialize.js';
export { checkBase, writeBase, isClean, type BaseDrift } from './write-base.js';
export { imageName, RUN_AS } from './objects/containers.js';
export { SECRET_STORE } from './objects/external-secret.js';
export { STORAGE_MODE_ANNOTATION, terminationGracePeriodSeconds } from './objects/statefulset.js';
export type { KubeObject } from './objects/types.js';
