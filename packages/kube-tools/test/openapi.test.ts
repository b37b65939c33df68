import { describe, expect, it } from 'vitest';
import { kindSchemas, kubeconformFileName } from '../src/schemas/openapi-to-json-schema.js';

const DOCUMENT = {
  definitions: {
    'io.k8s.api.apps.v1.Widget': {
      description: 'a widget',
      required: ['spec'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.WidgetSpec' },
      },
      'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Widget' }],
    },
    'io.k8s.api.apps.v1.WidgetList': {
      properties: { items: { type: 'array', items: { $ref: '#/definitions/io.k8s.api.apps.v1.Widget' } } },
      'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'WidgetList' }],
    },
    'io.k8s.api.apps.v1.WidgetSpec': {
      properties: {
        port: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
        size: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
        props: { $ref: '#/definitions/io.k8s.Props' },
      },
    },
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    'io.k8s.Props': { properties: { not: { $ref: '#/definitions/io.k8s.Props' } } },
  },
};

describe('kubeconform schemas from the OpenAPI document', () => {
  const [widget, ...rest] = kindSchemas(DOCUMENT);
  const spec = (widget?.schema.properties as Record<string, Record<string, unknown>>).spec ?? {};
  const specProperties = spec.properties as Record<string, Record<string, unknown>>;

  it('writes one stand-alone file per kind, named as kubeconform looks it up, and none for lists', () => {
    expect(rest).toEqual([]);
    expect(widget?.file).toBe('widget-apps-v1.json');
    expect(kubeconformFileName({ group: '', version: 'v1', kind: 'Service' })).toBe('service-v1.json');
    expect(kubeconformFileName({ group: 'external-secrets.io', version: 'v1', kind: 'ExternalSecret' })).toBe('externalsecret-external-secrets-v1.json');
    expect(JSON.stringify(widget?.schema)).not.toContain('$ref');
    expect(JSON.stringify(widget?.schema)).not.toContain('a widget');
  });

  it('closes objects (strict), except where the API keeps unknown fields', () => {
    expect(widget?.schema.additionalProperties).toBe(false);
    expect(spec.additionalProperties).toBe(false);
    expect(specProperties.free?.additionalProperties).toBeUndefined();
  });

  it('pins apiVersion and kind, lets optional fields be null, and keeps required ones non-null', () => {
    const properties = widget?.schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.apiVersion?.enum).toEqual(['apps/v1']);
    expect(properties.kind?.enum).toEqual(['Widget']);
    expect(spec.type).toBeUndefined();
    expect(specProperties.free?.type).toEqual(['object', 'null']);
  });

  it('accepts int-or-string as either, and a Quantity as a string or a number, as the API server does', () => {
    expect(specProperties.port?.oneOf).toEqual([{ type: 'string' }, { type: 'integer' }]);
    expect(specProperties.size?.oneOf).toEqual([{ type: 'string' }, { type: 'number' }]);
  });

  it('stops a recursive type at its first repetition instead of expanding forever', () => {
    const props = specProperties.props?.properties as Record<string, unknown>;
    expect(props.not).toEqual({});
  });
});
