import { describe, expect, it } from 'vitest';
import { nativePasswordHash } from '../src/accounts.js';

describe('nativePasswordHash', () => {
  it("is what MariaDB's PASSWORD() stores for mysql_native_password", () => {
    // SELECT PASSWORD('x'), PASSWORD('pässwörd') on MariaDB 10.11
    expect(nativePasswordHash('x')).toBe('*B69027D44F6E5EDC07F1AEAD1477967B16F28227');
    expect(nativePasswordHash('pässwörd')).toBe('*0225EC5004ABB0B8CB557541FE53DE1A5D8CC825');
  });
});
