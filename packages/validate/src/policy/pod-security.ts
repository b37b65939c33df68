import { asArray, asRecord, asString } from '../objects.js';
import type { PathSegment } from '../report/path.js';
import type { Finding } from '../report/types.js';
import { containersOf, podTemplates } from './pods.js';
import { finding, type Policy } from './types.js';

const SECCOMP_ALLOWED = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ALLOWED = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/** Volume types the restricted profile admits; every other source (nfs, hostPath, iscsi...) is refused. */
const VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
/** The sysctls Pod Security admits (baseline, latest), namespaced and safe. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
]);

/** The checks a pod-level and a container-level securityContext share: SELinux, AppArmor, Windows host process. */
function sharedContext(context: Record<string, unknown>, who: string, at: (...rest: PathSegment[]) => PathSegment[], report: (path: PathSegment[], message: string) => void): void {
  const selinux = asRecord(context.seLinuxOptions);
  const type = asString(selinux.type) ?? '';
  if (!SELINUX_TYPES.has(type)) report(at('seLinuxOptions', 'type'), `${who} uses SELinux type ${type} (only container_t, container_init_t, container_kvm_t or container_engine_t)`);
  for (const field of ['user', 'role']) {
    if ((asString(selinux[field]) ?? '') !== '') report(at('seLinuxOptions', field), `${who} must not set an SELinux ${field}`);
  }
  const apparmor = asString(asRecord(context.appArmorProfile).type);
  if (apparmor !== undefined && !APPARMOR_ALLOWED.has(apparmor)) report(at('appArmorProfile', 'type'), `${who} uses AppArmor profile ${apparmor} (RuntimeDefault or Localhost required)`);
  if (asRecord(context.windowsOptions).hostProcess === true) report(at('windowsOptions', 'hostProcess'), `${who} must not be a Windows host process`);
}

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
        const name = asString(asRecord(volume).name) ?? `#${index}`;
        for (const source of Object.keys(asRecord(volume)).filter((key) => key !== 'name' && !VOLUME_TYPES.has(key))) {
          report([...specPath, 'volumes', index, source], `volume "${name}" is of type ${source}; restricted admits only ${[...VOLUME_TYPES].join(', ')}`);
        }
      });
      const podContext = asRecord(spec.securityContext);
      sharedContext(podContext, 'the pod', (...rest) => [...specPath, 'securityContext', ...rest], report);
      asArray(podContext.sysctls).forEach((sysctl, index) => {
        const name = asString(asRecord(sysctl).name) ?? '';
        if (!SAFE_SYSCTLS.has(name)) report([...specPath, 'securityContext', 'sysctls', index, 'name'], `sysctl ${name} is not one of the safe sysctls`);
      });
      for (const [key, value] of Object.entries(asRecord(template.metadata.annotations))) {
        if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !String(value).startsWith('localhost/')) {
          report([...specPath.slice(0, -1), 'metadata', 'annotations', key], `AppArmor profile ${String(value)} is not allowed (runtime/default or localhost/*)`);
        }
      }
      const podSeccomp = asString(asRecord(podContext.seccompProfile).type);
      if (podSeccomp !== undefined && !SECCOMP_ALLOWED.has(podSeccomp)) {
        report([...specPath, 'securityContext', 'seccompProfile', 'type'], `seccomp profile ${podSeccomp} is not allowed (RuntimeDefault or Localhost)`);
      }
      if (podContext.runAsUser === 0) report([...specPath, 'securityContext', 'runAsUser'], 'running as uid 0 is not allowed');

      for (const { container, path, name } of containersOf(template, { init: true, regular: true, ephemeral: true })) {
        const context = asRecord(container.securityContext);
        const at = (...rest: PathSegment[]) => [...path, 'securityContext', ...rest];
        sharedContext(context, `container "${name}"`, at, report);
        if (context.procMount !== undefined && context.procMount !== 'Default') report(at('procMount'), `container "${name}" uses procMount ${String(context.procMount)} (Default only)`);
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
