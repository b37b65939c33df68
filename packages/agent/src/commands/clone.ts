import { join } from 'node:path';
import { describeProgress, runClone, type CloneCandidate } from '../clone/index.js';
import { fetchStatus, listPeers, peerAddress } from '../ha/peers.js';
import { loadSettings, type AgentSettings } from '../settings/settings.js';

export const CLONE_HELP = `agent clone [--config FILE] [--<setting> VALUE ...]

Fills an empty datadir with a hot backup streamed from a peer's clone donor (port clonePort), preferring a
healthy follower and falling back to the leader, and records the GTID position the copy is consistent
with; \`agent run\` replicates from there. Does nothing when the datadir already holds data.`;

/** Peers that may donate, from their agents' /status. */
export async function cloneCandidates(s: AgentSettings): Promise<CloneCandidate[]> {
  const found = await Promise.all(
    (await listPeers(s)).map(async (name): Promise<CloneCandidate | null> => {
        const a = peerAddress(s, name);
        const st = await fetchStatus(a, 2000);
        if (!st || st.role === 'none') return null;
        const replicating = st.replication?.ioRunning === 'Yes' && st.replication.sqlRunning === 'Yes';
        return {
          name,
          // Every pod reads the same agent.yaml: donors speak HTTPS exactly when a certificate is configured.
          url: `${s.tlsCertFile ? 'https' : 'http'}://${a.host}:${a.clonePort}`,
          role: st.role,
          healthy: st.mysql.up && st.diverged === null && (st.role === 'leader' || replicating),
          ...(st.lagSeconds !== null ? { lagSeconds: st.lagSeconds } : {}),
        };
      }),
  );
  return found.filter((c): c is CloneCandidate => c !== null);
}

export async function clone(argv: string[]): Promise<number> {
  const s = loadSettings({ argv });
  if (!s.podName) throw new Error('POD_NAME is not set: the clone records which pod it is for');
  const result = await runClone({
    dataDir: s.dataDir,
    candidates: () => cloneCandidates(s),
    tokenFile: join(s.secretsDir, 'clone-token'),
    ...(s.tlsCaFile ? { caFile: s.tlsCaFile } : {}),
    onProgress: (p) => process.stdout.write(`${describeProgress(p)}\n`),
    progressIntervalMs: 5000,
  });
  switch (result.outcome) {
    case 'skipped':
      process.stdout.write(`clone: nothing to do: ${result.reason}\n`);
      return 0;
    case 'no-donor':
      process.stderr.write(
        `clone: the datadir is empty and no peer can donate a copy; retrying when the pod restarts. If this cluster's data is gone for good (every volume lost, or a reinstall on new volumes), delete the Lease ${s.namespace}/${s.leaseName}: its pods then bootstrap anew\n`,
      );
      return 1;
    case 'cloned':
      process.stdout.write(`clone: copied ${result.bytes} bytes from ${result.donor} in ${result.seconds.toFixed(1)} s; replication starts at ${result.gtid || 'the beginning'}\n`);
      return 0;
  }
}
