import { TLS_IP_ADDRESSES } from '@mysqlha/config';
import { asArray, asRecord, asString, namespaceOf, ofKind } from '../objects.js';
import type { Finding } from '../report/types.js';
import { finding, type Policy } from './types.js';

/** Whether a certificate name (`*.db.ns.svc` or an exact name) covers `host`, as TLS clients match them. */
function covers(name: string, host: string): boolean {
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === name.slice(1);
}

/** `a, b and c`. */
function list(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * A Certificate whose Secret a StatefulSet mounts must name what its peers verify (docs/runtime.md, "TLS"): every
 * pod (ordinals up to `replicas`) as `<pod>.<serviceName>.<namespace>.svc` (replicas and clone receivers) and loopback (the agent's own
 * connections). A name for another namespace would pass every schema and fail every TLS handshake.
 */
export const certificateNames: Policy = {
  id: 'certificate-names',
  check({ objects }) {
    const findings: Finding[] = [];
    for (const sts of ofKind(objects, 'StatefulSet')) {
      const namespace = namespaceOf(sts);
      const spec = asRecord(sts.spec);
      const service = asString(spec.serviceName);
      if (!namespace || !service) continue;
      const mounted = new Set(
        asArray(asRecord(asRecord(spec.template).spec).volumes).map((v) => asString(asRecord(asRecord(v).secret).secretName)),
      );
      for (const certificate of ofKind(objects, 'Certificate')) {
        const c = asRecord(certificate.spec);
        if (namespaceOf(certificate) !== namespace || !mounted.has(asString(c.secretName))) continue;
        const dnsNames = asArray(c.dnsNames).filter((n): n is string => typeof n === 'string');
        const ips = asArray(c.ipAddresses).filter((n): n is string => typeof n === 'string');
        const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
        const pods = Array.from({ length: replicas }, (_, n) => `${asString(asRecord(sts.metadata).name)}-${n}.${service}.${namespace}.svc`);
        const missing = [...pods, 'localhost'].filter((host) => !dnsNames.some((name) => covers(name, host)));
        if (missing.length > 0) {
          findings.push(finding('certificate-names', certificate, ['spec', 'dnsNames'], `must cover ${list(missing)} (expected e.g. *.${service}.${namespace}.svc), as the pods of StatefulSet ${asString(asRecord(sts.metadata).name)} verify each other`));
        }
        const missingIps = TLS_IP_ADDRESSES.filter((ip) => !ips.includes(ip));
        if (missingIps.length > 0) findings.push(finding('certificate-names', certificate, ['spec', 'ipAddresses'], `must include ${list(missingIps)}: each agent verifies its own server over loopback`));
      }
    }
    return findings;
  },
};
