export interface CloneCandidate {
  /** Pod name, for logs and the recorded position. */
  name: string;
  /** Base URL of its clone endpoint, e.g. `https://mysql-1.mysql.db.svc:8081`. */
  url: string;
  role: 'leader' | 'follower';
  /** From the peer's /status: its server answers and (for a follower) replicates. */
  healthy: boolean;
  /** Replication lag of a follower, when known; a fresher copy replicates less after the clone. */
  lagSeconds?: number;
}

/**
 * A healthy follower keeps the copy's load off the leader; the least lagging one wins, then the
 * name for a stable choice. The leader is the fallback. Returns the order to try donors in.
 */
export function rankDonors(candidates: readonly CloneCandidate[]): CloneCandidate[] {
  const followers = candidates
    .filter((c) => c.role === 'follower' && c.healthy)
    .sort((a, b) => (a.lagSeconds ?? Infinity) - (b.lagSeconds ?? Infinity) || a.name.localeCompare(b.name));
  const leaders = candidates.filter((c) => c.role === 'leader' && c.healthy);
  return [...followers, ...leaders];
}
