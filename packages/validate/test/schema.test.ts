import { describe, expect, it } from 'vitest';
import { errorsOf, where } from './helpers.js';

describe('embedded schema validation (Kubernetes 1.33)', () => {
  it.each([
    ['unknown field in a list item', 'schema/unknown-field.yaml', 'schema/unknown-field Service/typo spec.ports[0].protocl'],
    ['unknown field below a nested object', 'schema/unknown-field-map.yaml', 'schema/unknown-field PersistentVolumeClaim/claim spec.selector.matchLabel'],
    ['wrong type', 'schema/wrong-type.yaml', 'schema/type Service/wrong-type spec.ports[0].port'],
    ['missing required field', 'schema/missing-required.yaml', 'schema/required Service/no-port spec.ports[0].port'],
    ['bad enum value', 'schema/bad-enum.yaml', 'schema/enum StatefulSet/bad-enum spec.podManagementPolicy'],
    ['bad quantity', 'schema/bad-quantity.yaml', 'schema/format PersistentVolumeClaim/bad-quantity spec.resources.requests.storage'],
    ['bad int-or-string', 'schema/bad-int-or-string.yaml', 'schema/format Service/bad-target-port spec.ports[0].targetPort'],
  ])('reports a %s with the object and field path, and nothing else', async (_, file, expected) => {
    expect(where(await errorsOf(file), 'schema')).toEqual([expected]);
  });

  it('accepts Secret bytes broken into lines as the API server does, and never echoes a Secret value it rejects', async () => {
    const errors = await errorsOf('schema/secret-bytes.yaml');
    expect(where(errors, 'schema')).toEqual(['schema/format Secret/broken data["tls.key"]', 'schema/type Secret/numeric stringData.root-password']);
    expect(JSON.stringify(errors)).not.toContain('c2VjcmV0IGtleSBtYXRlcmlhbA');
    expect(JSON.stringify(errors)).not.toContain('918273645546372');
  });

  it('reports fields that only releases after 1.33 know, although the client-node field lists (1.36) have them', async () => {
    const errors = await errorsOf('schema/newer-than-1.33.yaml');
    expect(where(errors, 'schema')).toEqual([
      'schema/unknown-field Pod/from-the-future spec.hostnameOverride',
      'schema/unknown-field Pod/from-the-future spec.containers[0].restartPolicyRules',
    ]);
    expect(errors[0]?.message).toBe('unknown field "hostnameOverride" in Kubernetes 1.33.0 (a later release added it)');
  });

  it('reports unknown kinds: an unknown apiVersion, and a misspelt kind of a known one', async () => {
    expect(where(await errorsOf('schema/unknown-kind.yaml'))).toEqual([
      'schema/unknown-kind Widget/gadget apiVersion',
      'schema/unknown-kind Deploymnet/typo kind',
    ]);
  });

  it('reports unknown fields in Flux, Argo CD (metadata included) and External Secrets objects', async () => {
    expect(where(await errorsOf('schema/crd-unknown-field.yaml'), 'schema')).toEqual([
      'schema/unknown-field Kustomization/flux-typo spec.healthCheck',
      'schema/unknown-field Application/argo-typo metadata.labelz',
      'schema/unknown-field Application/argo-typo spec.source.targetRevison',
      'schema/unknown-field ExternalSecret/eso-typo spec.data[0].remoteRef.propery',
    ]);
  });

  it('checks required fields, types and enums of custom resources', async () => {
    expect(where(await errorsOf('schema/crd-invalid.yaml'), 'schema')).toEqual([
      'schema/required Application/no-destination spec.destination',
      'schema/type Kustomization/prune-string spec.prune',
      'schema/enum ExternalSecret/bad-policy spec.target.creationPolicy',
    ]);
  });

  it('says what was expected and what was found', async () => {
    const [typeError] = await errorsOf('schema/wrong-type.yaml');
    expect(typeError?.message).toBe('must be an integer, got string "3306"');
    const [enumError] = (await errorsOf('schema/bad-enum.yaml')).filter((error) => error.rule === 'schema/enum');
    expect(enumError?.message).toBe('"Sequential" is not one of "OrderedReady", "Parallel"');
  });
});
