import * as c from './checks.js';
import type { Check } from './checks.js';

/**
 * The shape of a ClusterSpec file: which keys exist and how each leaf is checked. Absent keys keep their
 * defaults; mappings merge key by key.
 */
export type Node =
  | { readonly kind: 'leaf'; readonly check: Check }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Node>>;
      /** Keys that replace each other's defaults: giving any of them drops the defaults of all. */
      readonly together?: readonly string[];
    }
  | { readonly kind: 'map'; readonly key: Check; readonly value: Check };

const leaf = (check: Check): Node => ({ kind: 'leaf', check });
const object = (fields: Record<string, Node>, together?: readonly string[]): Node =>
  together ? { kind: 'object', fields, together } : { kind: 'object', fields };

const image = object(
  { repository: leaf(c.imageRepository), tag: leaf(c.imageTag), digest: leaf(c.imageDigest) },
  ['tag', 'digest'],
);

const resourceList = object({
  cpu: leaf(c.quantity('500m')),
  memory: leaf(c.quantity('1Gi')),
  'ephemeral-storage': leaf(c.quantity('1Gi')),
});
const resources = object({ requests: resourceList, limits: resourceList });

/** The longest derived object name is `<name>-credentials`, which must stay a 63-character label. */
export const MAX_NAME_LENGTH = 51;

export const checkName: Check = c.dns1035Label(MAX_NAME_LENGTH, ', so that derived names such as <name>-credentials fit');

export const CLUSTER_SPEC_SCHEMA: Node = object({
  name: leaf(checkName),
  namespace: leaf(c.dns1123Label),
  replicas: leaf(c.integer(1)),
  images: object({ mysql: image, agent: image }),
  storage: object({
    mode: leaf(c.oneOf(['local', 'dynamic'])),
    className: leaf(c.optionalDns1123Subdomain),
    size: leaf(c.quantity('10Gi', true)),
  }),
  resources: object({ mysql: resources, agent: resources, slowlog: resources, init: resources, clone: resources }),
  server: object({
    innodbBufferPoolSize: leaf(c.quantity('512Mi', true)),
    maxConnections: leaf(c.integer(1, 100000)),
    slowQueryThresholdSeconds: leaf(c.nonNegativeNumber()),
    extra: { kind: 'map', key: c.myCnfKey, value: c.myCnfValue },
  }),
  ha: object({
    loopIntervalMs: leaf(c.integer(50)),
    leaseDurationMs: leaf(c.wholeSecondsMs(1000)),
    renewDeadlineMs: leaf(c.integer(1)),
    semiSyncTimeoutMs: leaf(c.integer(1)),
    semiSyncStepDownAfterMs: leaf(c.integer(1000)),
    failoverPolicy: leaf(c.oneOf(['safe', 'available'])),
    maxLagSeconds: leaf(c.integer(0)),
  }),
  services: object({ headless: leaf(c.dns1035Label()), leader: leaf(c.dns1035Label()), follower: leaf(c.dns1035Label()) }),
  secretName: leaf(c.dns1123Subdomain),
  tls: object({ secretName: leaf(c.dns1123Subdomain), requireSecureTransport: leaf(c.boolean) }),
  ports: object({ mysql: leaf(c.integer(1, 65535)), agent: leaf(c.integer(1, 65535)), clone: leaf(c.integer(1, 65535)), metrics: leaf(c.integer(1, 65535)) }),
});
