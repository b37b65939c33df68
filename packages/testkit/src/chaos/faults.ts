import { sleep } from '../util/wait.js';
import { now } from '../util/clock.js';
import type { LocalCluster } from '../cluster/local-cluster.js';
import type { PodNetwork } from '../net/pod-network.js';
import type { Rng } from './rng.js';

/** What a fault did, and how to undo it once the cluster has reacted (restart, resume, heal). */
export interface Injected {
  /** Whether the fault took the leader away: its failover time is the write gap it caused. */
  readonly leaderFault: boolean;
  readonly detail: string;
  /** Heal after this long instead of first waiting for the cluster to fail over on its own (a crash nothing survives without a restart, which the kubelet does at once). */
  readonly healAfterMs?: number;
  heal(): Promise<void>;
}

export interface FaultContext {
  readonly c: LocalCluster;
  readonly rng: Rng;
  readonly leader: string;
  readonly followers: readonly string[];
}

export type FaultKind =
  | 'kill-leader-mysqld'
  | 'kill-follower-mysqld'
  | 'kill-leader-agent'
  | 'kill-leader-pod'
  | 'kill-follower-pod'
  | 'api-partition-leader'
  | 'sigstop-leader-agent'
  | 'switchover'
  | 'double-fault'
  | 'delete-lease'
  | 'kill-all-mysqld'
  | 'partition-leader-followers'
  | 'partition-follower'
  | 'partition-followers-kill-leader';

export const FAULT_KINDS: readonly FaultKind[] = [
  'kill-leader-mysqld',
  'kill-follower-mysqld',
  'kill-leader-agent',
  'kill-leader-pod',
  'kill-follower-pod',
  'api-partition-leader',
  'sigstop-leader-agent',
  'switchover',
  'double-fault',
  'delete-lease',
  'kill-all-mysqld',
  'partition-leader-followers',
  'partition-follower',
  'partition-followers-kill-leader',
];

const restart = (c: LocalCluster, pods: readonly string[], parts: { mysqld?: boolean; agent?: boolean }) => async () => {
  for (const pod of pods) if (parts.mysqld && !c.server(pod).isRunning()) await c.server(pod).start();
  for (const pod of pods) if (parts.agent && !c.agent(pod).isRunning()) await c.agent(pod).start();
};

function net(c: LocalCluster): PodNetwork {
  if (!c.network) throw new Error('pod-to-pod partitions need a cluster started with { network: true }');
  return c.network;
}

/** Injects one fault of `kind`. Durations and targets come from the seeded generator. */
export async function inject(kind: FaultKind, x: FaultContext): Promise<Injected> {
  const { c, rng, leader, followers } = x;
  switch (kind) {
    case 'kill-leader-mysqld':
      await c.server(leader).kill9();
      return { leaderFault: true, detail: `kill -9 mysqld of ${leader}`, heal: restart(c, [leader], { mysqld: true }) };
    case 'kill-follower-mysqld': {
      const pod = rng.pick(followers);
      await c.server(pod).kill9();
      return { leaderFault: false, detail: `kill -9 mysqld of ${pod}`, heal: restart(c, [pod], { mysqld: true }) };
    }
    case 'kill-leader-agent':
      await c.agent(leader).kill9();
      return { leaderFault: true, detail: `kill -9 agent of ${leader}`, heal: restart(c, [leader], { agent: true }) };
    case 'kill-leader-pod':
      await Promise.all([c.agent(leader).kill9(), c.server(leader).kill9()]);
      return { leaderFault: true, detail: `kill -9 mysqld and agent of ${leader}`, heal: restart(c, [leader], { mysqld: true, agent: true }) };
    case 'kill-follower-pod': {
      const pod = rng.pick(followers);
      await Promise.all([c.agent(pod).kill9(), c.server(pod).kill9()]);
      return { leaderFault: false, detail: `kill -9 mysqld and agent of ${pod}`, heal: restart(c, [pod], { mysqld: true, agent: true }) };
    }
    case 'api-partition-leader': {
      const mode = rng.pick(['drop', 'hang'] as const);
      const ms = rng.int(3000, 8000);
      c.kube.partition(leader, mode);
      await sleep(ms);
      c.kube.heal(leader);
      return { leaderFault: true, detail: `API partition (${mode}) of ${leader} for ${ms} ms`, heal: async () => {} };
    }
    case 'sigstop-leader-agent': {
      const ms = rng.int(2000, 20_000);
      c.agent(leader).pause();
      await sleep(ms);
      c.agent(leader).resume();
      return { leaderFault: true, detail: `SIGSTOP of ${leader}'s agent for ${ms} ms`, heal: async () => {} };
    }
    case 'switchover': {
      const to = rng.pick(followers);
      const out = await c.agent(leader).cli(['switchover', '--to', to]);
      return { leaderFault: true, detail: `switchover ${leader} -> ${to} (exit ${out.code})`, heal: async () => {} };
    }
    case 'double-fault': {
      const t0 = now();
      await c.server(leader).kill9();
      const second = await c.kube.waitForNewHolder({ after: t0, not: leader }).catch(() => undefined);
      // Its mysqld alone (its agent releases the Lease), or its whole pod (the Lease expires with its name on it).
      const whole = rng.pick([false, true]);
      if (second) await (whole ? Promise.all([c.server(second).kill9(), c.agent(second).kill9()]) : c.server(second).kill9());
      return {
        leaderFault: true,
        detail: `kill -9 mysqld of ${leader}, then ${whole ? 'the whole pod' : 'the mysqld'} of the new holder ${second ?? '(none in 30 s)'}`,
        healAfterMs: 1000,
        heal: restart(c, [leader, ...(second ? [second] : [])], { mysqld: true, agent: true }),
      };
    }
    case 'delete-lease':
      c.kube.deleteLease();
      return { leaderFault: true, detail: 'Lease deleted by hand', heal: async () => {} };
    case 'partition-leader-followers': {
      const ms = rng.int(2000, 12_000);
      await net(c).isolate(leader);
      await sleep(ms);
      await net(c).heal();
      return { leaderFault: true, detail: `${leader} cut off from its followers (not from the API) for ${ms} ms`, heal: async () => {} };
    }
    case 'partition-follower': {
      const pod = rng.pick(followers);
      const ms = rng.int(2000, 12_000);
      await net(c).isolate(pod);
      await sleep(ms);
      await net(c).heal();
      return { leaderFault: false, detail: `${pod} cut off from every other pod for ${ms} ms`, heal: async () => {} };
    }
    case 'partition-followers-kill-leader': {
      const [a, b] = followers as [string, string];
      const ms = rng.int(3000, 12_000);
      await net(c).cut(a, b);
      const t0 = now();
      await c.server(leader).kill9();
      // The kubelet restarts the crashed container at once; the restarted server can follow the new leader while
      // the two followers are still cut apart.
      await sleep(1000);
      await restart(c, [leader], { mysqld: true })();
      await sleep(ms);
      await net(c).heal();
      return { leaderFault: true, detail: `${a} and ${b} cut off from each other, then ${leader}'s mysqld killed and restarted; healed after ${Math.round(now() - t0)} ms`, heal: async () => {} };
    }
    case 'kill-all-mysqld': {
      const all = c.servers.map((s) => s.name);
      await Promise.all(all.map((pod) => c.server(pod).kill9()));
      return { leaderFault: true, detail: 'kill -9 of every mysqld at once', healAfterMs: 1000, heal: restart(c, all, { mysqld: true }) };
    }
  }
}
