import type { CloneDonorStatus } from '../clone/index.js';
import type { ReplicationState } from '../db/ops.js';

/** The agent's /status document, also what peers read to elect a leader. */
export interface AgentStatus {
  pod: string;
  role: 'leader' | 'follower' | 'none';
  leaseHolder: string;
  /** This agent could read the Lease on its last cycle. */
  leaseReadable: boolean;
  mysql: {
    up: boolean;
    error: string | null;
    address: string;
    readOnly: boolean | null;
    binlogPos: string;
    currentPos: string;
    receivedPos: string;
    semiSyncSource: boolean;
    semiSyncReplica: boolean;
    replicasAttached: number;
    /** Why this server cannot apply what it received (SQL thread stopped on an error), or null. */
    sqlBroken: string | null;
  };
  replication: (ReplicationState & { source: string }) | null;
  lagSeconds: number | null;
  decision: string;
  decisionSince: string;
  /** Pods an election waits for (failoverPolicy safe). */
  waitingFor: string[];
  diverged: string | null;
  /** Transactions another server wrote that this diverged pod holds and the leader lacks (never re-cloned by automation). */
  holdsForeign: string[];
  failoverPolicy: string;
  /** The clone donor of this pod: whether it is streaming a copy to a peer, and how far. */
  clone: CloneDonorStatus | null;
  updatedAt: string;
}
