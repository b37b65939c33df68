/**
 * Leaf checks for ClusterSpec fields. Each returns undefined when the value is acceptable, otherwise what
 * was expected; the parser appends what it found.
 */
export type Check = (value: unknown) => string | undefined;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IMAGE_REPOSITORY =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const IMAGE_TAG = /^\w[\w.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const MY_CNF_KEY = /^[a-z][a-z0-9_-]*$/;

const SUFFIX_FACTOR: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a non-negative Kubernetes quantity (`512Mi` is 536870912, `500m` is 0.5), or undefined if malformed. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number = '', suffix = ''] = match;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
  return factor === undefined ? undefined : Number(number) * factor;
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : expected);
}

export function wholeSecondsMs(min: number): Check {
  return (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) % 1000 === 0
      ? undefined
      : `a multiple of 1000 that is >= ${min} (Lease durations are whole seconds)`;
}

export function nonNegativeNumber(): Check {
  return (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number >= 0');
}

export function oneOf(values: readonly string[]): Check {
  return (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
}

function pattern(re: RegExp, maxLength: number, expected: string): Check {
  return (v) => (typeof v === 'string' && v.length <= maxLength && re.test(v) ? undefined : expected);
}

export function dns1035Label(maxLength = 63, why = ''): Check {
  return pattern(
    DNS1035_LABEL,
    maxLength,
    `a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending alphanumeric, at most ${maxLength} characters${why})`,
  );
}

export const dns1123Label: Check = pattern(
  DNS1123_LABEL,
  63,
  "a DNS-1123 label (lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters)",
);

export const dns1123Subdomain: Check = pattern(
  DNS1123_SUBDOMAIN,
  253,
  "a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)",
);

export const optionalDns1123Subdomain: Check = (v) =>
  v === '' ? undefined : dns1123Subdomain(v) && `"" or ${dns1123Subdomain(v)}`;

export const imageRepository: Check = pattern(IMAGE_REPOSITORY, 255, 'an image repository like mysqlha/mysql or registry.example:5000/team/mysql');
export const imageTag: Check = pattern(IMAGE_TAG, 128, 'an image tag (letters, digits, "_", "." and "-", at most 128 characters)');
export const imageDigest: Check = pattern(IMAGE_DIGEST, 71, 'a digest like sha256:<64 hex digits>');

export function quantity(example: string, positive = false): Check {
  return (v) => {
    const value = typeof v === 'string' ? parseQuantity(v) : undefined;
    return value !== undefined && (!positive || value > 0) ? undefined : `a Kubernetes quantity like ${example}`;
  };
}

export const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');

export const myCnfKey: Check = (v) =>
  typeof v === 'string' && MY_CNF_KEY.test(v) ? undefined : 'a server option name (lowercase letters, digits, "_" and "-")';

export const myCnfValue: Check = (v) =>
  (typeof v === 'string' && !/[\r\n]/.test(v)) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
    ? undefined
    : 'a string without line breaks, a number or a boolean';

/** How a found value reads in an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
