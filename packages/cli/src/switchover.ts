import type { Api } from './api.js';
import { CliError, statusMessage } from './api.js';
import { callAgent, clusterToken, lease, members, signedHeaders, type Target } from './cluster.js';

export interface SwitchoverOutcome {
  readonly from: string;
  readonly to: string;
  /** How long the old leader was read-only before the new one took writes. */
  readonly readOnlyMs: number;
}

/**
 * Asks the Lease holder's agent for a planned switchover (to `to`, or the most advanced follower), signed with
 * the cluster key read from the Secret, and waits for it: the old leader hands over only once the new one has
 * applied everything, and stays the leader when anything fails.
 */
export async function switchover(api: Api, t: Target, secretName: string, to: string | undefined, timeoutMs: number): Promise<SwitchoverOutcome> {
  const pods = await members(api, t);
  const l = await lease(api, t);
  if (to !== undefined && !pods.some((m) => m.name === to)) throw new CliError(`no pod "${to}" in cluster ${t.cluster} (pods: ${pods.map((m) => m.name).join(', ')})`);
  if (!l.holder) throw new CliError(`no pod holds the Lease ${t.cluster}-leader: there is no leader to switch over from`);
  if (to === l.holder) throw new CliError(`${to} is already the leader`);
  const leader = pods.find((m) => m.name === l.holder);
  if (!leader) throw new CliError(`the Lease holder ${l.holder} is not a pod of cluster ${t.cluster}`);
  const token = await clusterToken(api, t, secretName);
  // The leader it is meant for is part of what is signed: the agent refuses it anywhere else.
  const path = `/switchover?from=${encodeURIComponent(leader.name)}${to === undefined ? '' : `&to=${encodeURIComponent(to)}`}`;
  const reply = await callAgent(api, t, leader, 'POST', path, signedHeaders(token, 'POST', path), timeoutMs).catch((error: Error) => {
    throw new CliError(`${error.message}; the switchover may still finish: see mysqlha status`);
  });
  const body = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as { switched?: boolean; reason?: string; error?: string; from?: string; to?: string; readOnlyMs?: number };
  if (reply.status === 200 && body.switched) return { from: body.from ?? leader.name, to: body.to ?? '', readOnlyMs: body.readOnlyMs ?? 0 };
  let why = body.reason ?? body.error ?? (typeof reply.body === 'string' ? statusMessage(reply.body) : JSON.stringify(reply.body));
  // The agent does not tell a caller why a signature failed; these are the two causes a user can act on.
  if (reply.status === 401) why += ` (the clone-token of the Secret ${secretName} is not the key the agents read, or this machine's clock is more than 15 s off theirs)`;
  throw new CliError(`${leader.name} did not switch over (${reply.status}): ${why}`);
}
