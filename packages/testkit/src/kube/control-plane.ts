import { startControlPlane as start, type ControlPlane, type ControlPlaneOptions } from '@mysqlha/kube-tools';
import { trackCloser } from '../process/registry.js';

export type { ControlPlane, ControlPlaneOptions } from '@mysqlha/kube-tools';
/** A client of the control plane's API server, e.g. with a ServiceAccount's token. */
export { KubeApi } from '@mysqlha/kube-tools';

/**
 * A real control plane for a test (etcd, kube-apiserver, and the controllers and scheduler when asked): see
 * @mysqlha/kube-tools. stopAll() stops it with everything else the harness started.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const controlPlane = await start(options);
  const untrack = trackCloser(() => controlPlane.stop());
  return {
    ...controlPlane,
    stop: async () => {
      untrack();
      await controlPlane.stop();
    },
  };
}
