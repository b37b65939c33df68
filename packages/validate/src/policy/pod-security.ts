import { asArray, asRecord, asString } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

const SECCOMP_ALLOWED = new Set(['RuntimeDefault', 'Localhost']);

/** The Pod Security Standard `restricted` profile, on every pod template in the render. */
export const podSecurity: Policy = {
  id: 'pod-security',
  check({ objects }) {
    const findings: Finding[] = [];
    for (const template of podTemplates(objects)) {
      const { object, spec, specPath } = template;
      const report = (path: PathSegment[], message: string) => findings.push(finding('pod-security', object, path, message));
      for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
        if (spec[host] === true) report([...specPath, host], `${host} is not allowed`);
      }
      asArray(spec.volumes).forEach((volume, index) => {
        if (asRecord(volume).hostPath !== undefined) report([...specPath, 'volumes', index, 'hostPath'], 'hostPath volumes are not allowed');
      });
      const podContext = asRecord(spec.securityContext);
      const podSeccomp = asString(asRecord(podContext.seccompProfile).type);
      if (podSeccomp !== undefined && !SECCOMP_ALLOWED.has(podSeccomp)) {
        report([...specPath, 'securityContext', 'seccompProfile', 'type'], `seccomp profile ${podSeccomp} is not allowed (RuntimeDefault or Localhost)`);
      }
      if (podContext.runAsUser === 0) report([...specPath, 'securityContext', 'runAsUser'], 'running as uid 0 is not allowed');

      for (const { container, path, name } of containersOf(template, { init: true, regular: true })) {
        const context = asRecord(container.securityContext);
        const at = (...rest: PathSegment[]) => [...path, 'securityContext', ...rest];
        if (context.privileged === true) report(at('privileged'), `container "${name}" is privileged`);
        if (context.allowPrivilegeEscalation !== false) report(at('allowPrivilegeEscalation'), `container "${name}" must set allowPrivilegeEscalation: false`);
        const capabilities = asRecord(context.capabilities);
        if (!asArray(capabilities.drop).includes('ALL')) report(at('capabilities', 'drop'), `container "${name}" must drop ALL capabilities`);
        asArray(capabilities.add).forEach((capability, index) => {
          if (capability !== 'NET_BIND_SERVICE') report(at('capabilities', 'add', index), `container "${name}" may add only NET_BIND_SERVICE, not ${String(capability)}`);
        });
        const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
        if (runAsNonRoot !== true) report(at('runAsNonRoot'), `container "${name}" must run as non-root (runAsNonRoot: true on the container or the pod)`);
        if (context.runAsUser === 0) report(at('runAsUser'), `container "${name}" must not run as uid 0`);
        const seccomp = asString(asRecord(context.seccompProfile).type);
        if (seccomp === undefined && podSeccomp === undefined) {
          report(at('seccompProfile', 'type'), `container "${name}" needs seccompProfile RuntimeDefault (on the container or the pod)`);
        } else if (seccomp !== undefined && !SECCOMP_ALLOWED.has(seccomp)) {
          report(at('seccompProfile', 'type'), `container "${name}" uses seccomp profile ${seccomp} (RuntimeDefault or Localhost required)`);
        }
        asArray(container.ports).forEach((port, index) => {
          if (asRecord(port).hostPort !== undefined) report([...path, 'ports', index, 'hostPort'], `container "${name}" must not use a hostPort`);
        });
      }
    }
    return findings;
  },
};
