import { describe, expect, it } from 'vitest';
import { divergence, formatGtidPos, gtidAtLeast, gtidEqual, mergeGtidPos, parseGtidPos } from '../src/db/gtid.js';

const p = parseGtidPos;

describe('GTID positions', () => {
  it('parses and formats MariaDB positions, one GTID per domain', () => {
    expect(formatGtidPos(p('1-3-7, 0-1-42'))).toBe('0-1-42,1-3-7');
    expect(formatGtidPos(p(''))).toBe('');
    expect(formatGtidPos(p(null))).toBe('');
  });

  it('rejects text that is not a GTID list', () => {
    expect(() => p('0-1')).toThrow(/not a MariaDB GTID/);
    expect(() => p('a-b-c')).toThrow(/not a MariaDB GTID/);
  });

  it('keeps sequence numbers beyond 2^53 exact', () => {
    expect(formatGtidPos(p('0-1-18446744073709551615'))).toBe('0-1-18446744073709551615');
    expect(gtidAtLeast(p('0-1-9007199254740993'), p('0-1-9007199254740992'))).toBe(true);
    expect(gtidAtLeast(p('0-1-9007199254740992'), p('0-1-9007199254740993'))).toBe(false);
  });

  it('orders positions per domain by sequence number', () => {
    expect(gtidAtLeast(p('0-1-10'), p('0-2-9'))).toBe(true);
    expect(gtidAtLeast(p('0-1-9'), p('0-2-10'))).toBe(false);
    expect(gtidAtLeast(p('0-1-10'), p(''))).toBe(true);
    expect(gtidAtLeast(p(''), p('0-1-1'))).toBe(false);
    expect(gtidAtLeast(p('0-1-10'), p('0-1-10,1-2-1'))).toBe(false);
    expect(gtidAtLeast(p('0-1-10,1-2-1'), p('0-1-10'))).toBe(true);
    expect(gtidEqual(p('0-1-5,1-1-2'), p('1-1-2,0-1-5'))).toBe(true);
    expect(gtidEqual(p('0-1-5'), p('0-1-6'))).toBe(false);
  });

  it('merges a replica binlog and relay positions into what it has received', () => {
    expect(formatGtidPos(mergeGtidPos(p('0-1-10'), p('0-1-12,1-2-3')))).toBe('0-1-12,1-2-3');
    expect(formatGtidPos(mergeGtidPos(p('0-1-12'), p('0-1-10')))).toBe('0-1-12');
  });

  it('finds no divergence when this server is a prefix of the leader', () => {
    expect(divergence(p(''), p('0-1-10'))).toBeNull();
    expect(divergence(p('0-1-10'), p('0-1-10'))).toBeNull();
    expect(divergence(p('0-1-5'), p('0-2-10'))).toBeNull();
  });

  it('detects a server that is ahead of the leader, or wrote a different transaction under the same number', () => {
    expect(divergence(p('0-1-11'), p('0-2-10'))).toMatch(/beyond the leader's 0-2-10/);
    expect(divergence(p('0-1-10'), p('0-2-10'))).toMatch(/different transactions/);
    expect(divergence(p('0-1-10,5-1-1'), p('0-1-10'))).toMatch(/domain 5 .* no transaction on the leader/);
  });
});
