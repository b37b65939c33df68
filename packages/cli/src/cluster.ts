import { ELECTION_POSITION_ANNOTATION, podSelector, ROLE_LABEL } from '@mysqlha/config';
import type { AgentStatus } from '@mysqlha/agent';
import { PEER_HEADER, PeerAuth, secretValue } from '@mysqlha/agent';
import { Api, CliError, statusMessage } from './api.js';

/** How the command reaches the agents: through the API server's pod proxy (from anywhere kubectl works), or straight to the pod IPs (from inside the cluster network). */
export type AgentRoute = 'proxy' | 'direct';

export interface Target {
  readonly namespace: string;
  /** The ClusterSpec name: the StatefulSet, the Lease `<name>-leader`, the Secret's owner. */
  readonly cluster: string;
  readonly agents: AgentRoute;
}

interface PodObject {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

export interface Member {
  readonly name: string;
  readonly ip: string | undefined;
  readonly agentPort: number;
  /** The label the leader's agent sets (what the Services route by). */
  readonly roleLabel: string | undefined;
  readonly ready: boolean | undefined;
  /** The GTID position the pod's agent last published for elections, when the agent cannot be asked. */
  readonly publishedPos: string | undefined;
}

export interface Lease {
  readonly holder: string | undefined;
  readonly renewedAt: string | undefined;
}

const AGENT_PORT_DEFAULT = 8080;

function member(pod: PodObject): Member {
  const agent = pod.spec.containers.find((c) => c.name === 'agent');
  const port = agent?.ports?.find((p) => p.name === 'agent')?.containerPort ?? AGENT_PORT_DEFAULT;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  let publishedPos: string | undefined;
  try {
    publishedPos = (JSON.parse(pod.metadata.annotations?.[ELECTION_POSITION_ANNOTATION] ?? 'null') as { pos?: string } | null)?.pos;
  } catch {
    publishedPos = undefined;
  }
  return {
    name: pod.metadata.name,
    ip: pod.status?.podIP,
    agentPort: port,
    roleLabel: pod.metadata.labels?.[ROLE_LABEL],
    ready: ready === undefined ? undefined : ready.status === 'True',
    publishedPos,
  };
}

/** The cluster's pods, in ordinal order; a missing namespace or cluster is an error that says which. */
export async function members(api: Api, t: Target): Promise<Member[]> {
  const ns = encodeURIComponent(t.namespace);
  const list = await api.get<{ items: PodObject[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(podSelector({ name: t.cluster }))}`, `list pods in namespace ${t.namespace}`);
  const pods = (list?.items ?? []).filter((p) => new RegExp(`^${t.cluster}-\\d+$`).test(p.metadata.name));
  if (pods.length > 0) return pods.map(member).sort((a, b) => Number(a.name.slice(t.cluster.length + 1)) - Number(b.name.slice(t.cluster.length + 1)));
  if ((await api.get(`/api/v1/namespaces/${ns}`, `read namespace ${t.namespace}`)) === undefined) throw new CliError(`namespace "${t.namespace}" not found (--namespace)`);
  if ((await api.get(`/apis/apps/v1/namespaces/${ns}/statefulsets/${encodeURIComponent(t.cluster)}`, `read StatefulSet ${t.cluster}`)) === undefined) {
    throw new CliError(`no mysqlha cluster "${t.cluster}" in namespace "${t.namespace}": there is no StatefulSet ${t.cluster} (--cluster names it)`);
  }
  throw new CliError(`the StatefulSet ${t.namespace}/${t.cluster} has no pods yet`);
}

export async function lease(api: Api, t: Target): Promise<Lease> {
  const l = await api.get<{ spec?: { holderIdentity?: string; renewTime?: string } }>(
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(t.namespace)}/leases/${encodeURIComponent(`${t.cluster}-leader`)}`,
    `read the Lease ${t.cluster}-leader`,
  );
  return { holder: l?.spec?.holderIdentity || undefined, renewedAt: l?.spec?.renewTime };
}

/** The `clone-token` of the cluster's Secret, which keys the calls that steer an agent. */
export async function clusterToken(api: Api, t: Target, secretName: string): Promise<string> {
  const secret = await api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${encodeURIComponent(t.namespace)}/secrets/${encodeURIComponent(secretName)}`, `read the Secret ${secretName}`);
  const value = secret?.data?.['clone-token'];
  if (value === undefined) throw new CliError(`the Secret ${t.namespace}/${secretName} ${secret ? 'has no key clone-token' : 'does not exist'}: a switchover must be signed with the cluster key`);
  // As the agents read their file.
  return secretValue(Buffer.from(value, 'base64').toString('utf8'));
}

interface AgentReply {
  readonly status: number;
  readonly body: unknown;
}

/** One call to a pod's agent, by the route asked for. */
export async function callAgent(api: Api, t: Target, m: Member, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<AgentReply> {
  let status: number;
  let text: string;
  if (t.agents === 'proxy') {
    const res = await api.request(method, `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(`${m.name}:${m.agentPort}`)}/proxy${path}`, headers, timeoutMs);
    ({ status, text } = res);
  } else {
    if (!m.ip) throw new CliError(`${m.name} has no pod IP yet`);
    const res = await fetch(`http://${m.ip.includes(':') ? `[${m.ip}]` : m.ip}:${m.agentPort}${path}`, { method, headers, signal: AbortSignal.timeout(timeoutMs) }).catch((error: Error) => {
      throw new CliError(`cannot reach the agent of ${m.name} at ${m.ip}:${m.agentPort}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    });
    status = res.status;
    text = await res.text().catch((error: Error) => {
      throw new CliError(`the agent of ${m.name} stopped answering: ${error.message}`);
    });
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // The API server's proxy answers some failures in plain text.
  }
  return { status, body };
}

export async function agentStatus(api: Api, t: Target, m: Member): Promise<AgentStatus> {
  const reply = await callAgent(api, t, m, 'GET', '/status', {}, 5_000);
  if (reply.status !== 200) throw new CliError(`the agent of ${m.name} answered ${reply.status}: ${typeof reply.body === 'string' ? statusMessage(reply.body) : JSON.stringify(reply.body)}`);
  return reply.body as AgentStatus;
}

/** A signed POST, as a peer agent would send it; the signer is named `mysqlha-cli` in the agent's log. */
export function signedHeaders(token: string, method: string, path: string): Record<string, string> {
  return { [PEER_HEADER]: PeerAuth.withToken(token, 'mysqlha-cli').sign(method, path) };
}
