import http from 'node:http';
import { requestText } from '../http/request.js';
import { Kube } from '../kube/client.js';
import type { AgentSettings, PeerAddress } from '../settings/settings.js';
import { PEER_HEADER, type PeerAuth } from './peer-auth.js';
import type { AgentStatus } from './status.js';

/** Where a pod's mysqld and agent listen: from peerAddresses, else the headless Service's DNS name. */
export function peerAddress(s: AgentSettings, pod: string): PeerAddress {
  const known = s.peerAddresses[pod];
  if (known) return known;
  return { host: `${pod}.${s.headlessService}.${s.namespace}.svc`, mysqlPort: s.mysqlPort, httpPort: s.httpPort, clonePort: s.clonePort };
}

// Peers are asked every few cycles during elections and handovers: keep their connections open.
const keepAlive = new http.Agent({ keepAlive: true });

async function call(addr: PeerAddress, method: 'GET' | 'POST', path: string, timeoutMs: number, auth?: PeerAuth): Promise<{ ok: boolean; body: string }> {
  const headers = auth ? { [PEER_HEADER]: auth.sign(method, path) } : {};
  const { code, body } = await requestText({ host: addr.host, port: addr.httpPort, method, path, agent: keepAlive, headers }, timeoutMs);
  return { ok: code >= 200 && code < 300, body };
}

export async function fetchStatus(addr: PeerAddress, timeoutMs: number): Promise<AgentStatus | null> {
  try {
    const res = await call(addr, 'GET', '/status', timeoutMs);
    return res.ok ? (JSON.parse(res.body) as AgentStatus) : null;
  } catch {
    return null;
  }
}

/** Asks a peer's agent to run its loop now instead of at its next tick. */
export async function nudge(addr: PeerAddress, timeoutMs: number, auth: PeerAuth): Promise<void> {
  try {
    await call(addr, 'POST', '/cycle', timeoutMs, auth);
  } catch {
    // a nudge only saves time; the peer's own loop gets there anyway
  }
}

/** Prompts a follower to read the Lease now: the holder just renewed it. */
export async function announceRenew(addr: PeerAddress, timeoutMs: number, auth: PeerAuth): Promise<void> {
  try {
    await call(addr, 'POST', '/lease-renewed', timeoutMs, auth);
  } catch {
    // a follower that misses it reads the Lease itself; it only measures the Lease's age from later
  }
}

/** Asks a follower to stop receiving and report its position now; null when it refuses or does not answer. */
export async function freezePeer(addr: PeerAddress, timeoutMs: number, auth: PeerAuth): Promise<AgentStatus | null> {
  try {
    const res = await call(addr, 'POST', '/freeze', timeoutMs, auth);
    return res.ok ? (JSON.parse(res.body) as AgentStatus) : null;
  } catch {
    return null;
  }
}

/** Asks a peer to wait until its server has applied `gtid`; true once it has. */
export async function waitPeerApplied(addr: PeerAddress, gtid: string, timeoutMs: number, auth: PeerAuth): Promise<boolean> {
  try {
    const res = await call(addr, 'POST', `/wait-applied?gtid=${encodeURIComponent(gtid)}&timeoutMs=${timeoutMs}`, timeoutMs + 1000, auth);
    return res.ok;
  } catch {
    return false;
  }
}

/** The other pods of the cluster: the configured peer addresses, else the pods the API lists for the cluster. */
export async function listPeers(s: AgentSettings): Promise<string[]> {
  const configured = Object.keys(s.peerAddresses);
  if (configured.length > 0) return configured.filter((p) => p !== s.podName);
  return (await commandKube(s).listPods(s.cluster)).filter((p) => p !== s.podName);
}

/** The API client of a one-shot command (init, clone): kubeApiUrl, or the pod's in-cluster config. */
export function commandKube(s: AgentSettings): Kube {
  return new Kube({
    namespace: s.namespace,
    leaseName: s.leaseName,
    leaseDurationMs: s.leaseDurationMs,
    timeoutMs: 5000,
    kubeApiUrl: s.kubeApiUrl,
    kubeTokenFile: s.kubeTokenFile,
    podName: s.podName,
  });
}
