import type { FakeKube } from '../kube/fake-kube.js';
import { ROLE_LABEL } from '@mysqlha/config';
import type { MariaServer } from '../mariadb/server.js';
import { waitFor } from '../util/wait.js';

/**
 * Why the cluster is not in its steady state yet, or undefined when it is: exactly one pod labelled leader,
 * its server writable; every other server running, read-only, labelled follower and replicating from the leader
 * with both threads running.
 */
export async function clusterNotReady(servers: MariaServer[], kube: FakeKube): Promise<string | undefined> {
  const leaderName = kube.leader();
  if (!leaderName) return `pods labelled leader: ${kube.podsWithRole('leader').join(', ') || 'none'}`;
  const leader = servers.find((s) => s.name === leaderName);
  if (!leader?.isRunning()) return `the leader ${leaderName} has no running server`;
  if (Number(await leader.value('SELECT @@read_only')) !== 0) return `the leader ${leaderName} is read-only`;
  for (const server of servers.filter((s) => s !== leader)) {
    if (!server.isRunning()) return `${server.name} is not running`;
    if (kube.pod(server.name).metadata.labels?.[ROLE_LABEL] !== 'follower') return `${server.name} is not labelled follower`;
    if (Number(await server.value('SELECT @@read_only')) !== 1) return `${server.name} is writable`;
    const [status] = await server.query<Record<string, unknown>>('SHOW SLAVE STATUS');
    if (!status) return `${server.name} is not replicating`;
    if (Number(status.Master_Port) !== leader.port) return `${server.name} replicates from port ${status.Master_Port}, not from ${leaderName}`;
    if (status.Slave_IO_Running !== 'Yes' || status.Slave_SQL_Running !== 'Yes') {
      return `${server.name}: IO ${status.Slave_IO_Running}, SQL ${status.Slave_SQL_Running} ${status.Last_IO_Error ?? ''} ${status.Last_SQL_Error ?? ''}`.trim();
    }
  }
  return undefined;
}

/** Waits for clusterNotReady to have no complaint and returns the leader's name. */
export async function waitForCluster(servers: MariaServer[], kube: FakeKube, timeoutMs = 60_000): Promise<string> {
  let reason = 'not checked yet';
  await waitFor(
    'a ready cluster',
    async () => {
      reason = (await clusterNotReady(servers, kube).catch((error: Error) => error.message)) ?? '';
      return reason === '';
    },
    { timeoutMs, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`timed out after ${timeoutMs} ms waiting for a ready cluster: ${reason}`, { cause: error });
  });
  return kube.leader()!;
}
