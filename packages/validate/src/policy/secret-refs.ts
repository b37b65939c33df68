import { asArray, asRecord, asString, nameOf, namespaceOf, ofKind, type KubeObject } from '../objects.js';
import { referencesIn } from './references.js';
import { finding, type Policy } from './types.js';

interface Declared {
  /** Keys the Secret will hold, when the render says (undefined: not knowable, e.g. ExternalSecret dataFrom). */
  readonly keys?: ReadonlySet<string>;
}

/** A Secret is declared by a Secret object, an ExternalSecret that writes it, or a cert-manager Certificate. */
function declaredSecrets(objects: readonly KubeObject[]): Map<string, Declared> {
  const declared = new Map<string, Declared>();
  for (const secret of ofKind(objects, 'Secret')) {
    const keys = new Set([...Object.keys(asRecord(secret.data)), ...Object.keys(asRecord(secret.stringData))]);
    declared.set(`${namespaceOf(secret)}/${nameOf(secret)}`, keys.size > 0 ? { keys } : {});
  }
  for (const external of ofKind(objects, 'ExternalSecret')) {
    const spec = asRecord(external.spec);
    const target = asString(asRecord(spec.target).name) ?? nameOf(external);
    const knowable = asArray(spec.dataFrom).length === 0 && asRecord(spec.target).template === undefined;
    const keys = new Set(asArray(spec.data).map((item) => asString(asRecord(item).secretKey)).filter((key): key is string => key !== undefined));
    declared.set(`${namespaceOf(external)}/${target}`, knowable ? { keys } : {});
  }
  // cert-manager writes tls.crt and tls.key, and ca.crt when the issuer knows its CA: keys not knowable here.
  for (const certificate of ofKind(objects, 'Certificate')) {
    const secretName = asString(asRecord(certificate.spec).secretName);
    if (secretName) declared.set(`${namespaceOf(certificate)}/${secretName}`, {});
  }
  return declared;
}

export const secretRefs: Policy = {
  id: 'secret-refs',
  check({ objects }) {
    const declared = declaredSecrets(objects);
    return referencesIn(objects)
      .filter((ref) => ref.target === 'Secret' && !ref.optional)
      .flatMap((ref) => {
        const secret = declared.get(`${ref.namespace}/${ref.name}`);
        if (!secret) {
          return [finding('secret-refs', ref.object, ref.namePath, `Secret "${ref.name}" is declared neither by a Secret, an ExternalSecret nor a Certificate in the render`)];
        }
        if (ref.key === undefined || !secret.keys || secret.keys.has(ref.key)) return [];
        return [finding('secret-refs', ref.object, ref.keyPath ?? ref.namePath, `Secret "${ref.name}" will have no key "${ref.key}" (it has: ${[...secret.keys].join(', ') || 'none'})`)];
      });
  },
};
