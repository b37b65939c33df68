/** The Kubernetes release every object is validated for: kubernetes-models 4.5 carries its schemas. */
export const KUBERNETES_VERSION = '1.33.0';
