import { describe, expect, it } from 'vitest';
import { rankDonors, type CloneCandidate } from '../../packages/agent/src/clone/index.js';

const peer = (name: string, role: CloneCandidate['role'], healthy: boolean, lagSeconds?: number): CloneCandidate => ({
  name,
  url: `http://${name}:8081`,
  role,
  healthy,
  ...(lagSeconds === undefined ? {} : { lagSeconds }),
});

describe('clone donor choice', () => {
  it('prefers healthy followers, least lagging first, and keeps the leader as the last resort', () => {
    const ranked = rankDonors([peer('mysql-0', 'leader', true), peer('mysql-2', 'follower', true, 4), peer('mysql-1', 'follower', true, 0)]);
    expect(ranked.map((c) => c.name)).toEqual(['mysql-1', 'mysql-2', 'mysql-0']);
  });

  it('falls back to the leader when no follower is healthy', () => {
    const ranked = rankDonors([peer('mysql-1', 'follower', false, 0), peer('mysql-0', 'leader', true)]);
    expect(ranked.map((c) => c.name)).toEqual(['mysql-0']);
  });

  it('finds no donor among unhealthy peers', () => {
    expect(rankDonors([peer('mysql-0', 'leader', false), peer('mysql-1', 'follower', false)])).toEqual([]);
  });

  it('orders followers of unknown lag after those that report it, then by name', () => {
    const ranked = rankDonors([peer('mysql-3', 'follower', true), peer('mysql-2', 'follower', true), peer('mysql-1', 'follower', true, 10)]);
    expect(ranked.map((c) => c.name)).toEqual(['mysql-1', 'mysql-2', 'mysql-3']);
  });
});
