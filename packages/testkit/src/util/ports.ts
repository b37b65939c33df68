/**
 * Checks that `count` consecutive ports from `base` are usable on loopback: above the privileged range and below
 * the kernel's ephemeral range, where a restarted server could find its port taken by an outgoing connection.
 */
export function checkPortRange(what: string, base: number, count: number): void {
  if (!Number.isInteger(base) || base < 1024 || base + count - 1 >= 32768) {
    throw new Error(`${what}: ports ${base}..${base + count - 1} must be integers within 1024..32767`);
  }
}
