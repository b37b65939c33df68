import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Agent } from '../ha/agent.js';
import { PEER_HEADER } from '../ha/peer-auth.js';

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
  res.writeHead(code, { 'Content-Type': type });
  res.end(text);
}

function listen(server: Server, where: number | string, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server);
    };
    if (typeof where === 'number') server.listen(where, host, done);
    else server.listen(where, done);
  });
}

/** The pod's HTTP port: probes, status, and the signed calls of peers and of `mysqlha switchover`. */
export function startHttp(agent: Agent, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const route = `${req.method} ${url.pathname}`;
    if (req.method === 'POST') {
      // Only a peer holding the cluster's Secret may steer this agent's loop.
      const auth = agent.peerAuth.verify(req.headers[PEER_HEADER], req.method, req.url ?? '/');
      if (!auth.ok) {
        agent.refusedPeerCall(`${route}: ${auth.reason}`);
        return send(res, 401, { error: 'peer calls must be signed with the cluster key' });
      }
    }
    switch (route) {
      case 'GET /healthz': {
        const live = agent.liveness();
        return live.ok ? send(res, 200, 'ok\n', 'text/plain') : send(res, 503, `the HA loop has not completed a cycle for ${live.sinceCycleMs} ms (limit ${live.limitMs} ms)\n`, 'text/plain');
      }
      case 'GET /readyz':
        return agent.ready() ? send(res, 200, 'ready\n', 'text/plain') : send(res, 503, `not ready: ${agent.status().decision}\n`, 'text/plain');
      case 'GET /status':
        return send(res, 200, agent.status());
      case 'POST /cycle':
        agent.nudge();
        return send(res, 202, { nudged: true });
      case 'POST /lease-renewed': {
        // Only a prompt to read the Lease: whatever the caller claims is not taken from it.
        agent.leaseRenewed();
        return send(res, 202, { noted: true });
      }
      case 'POST /freeze': {
        agent.freeze().then(
          (out) => (out.ok ? send(res, 200, out.status) : send(res, 409, { error: out.reason })),
          (err: Error) => send(res, 503, { error: err.message }),
        );
        return;
      }
      case 'POST /switchover': {
        // A planned switchover asked from outside the pod (`mysqlha switchover`, signed with the cluster key). The
        // signed path names the leader it was meant for, and a signature works once: a captured request cannot be
        // replayed at the new leader, nor at this one again. A follower says who leads instead of forwarding.
        const { pod, leaseHolder } = agent.status();
        if (url.searchParams.get('from') !== pod) return send(res, 409, { switched: false, reason: `this request was meant for ${url.searchParams.get('from') ?? 'no pod (from= is missing)'}, not ${pod}` });
        if (!agent.peerAuth.firstUse(String(req.headers[PEER_HEADER]))) {
          agent.refusedPeerCall(`${route}: a signature already used`);
          return send(res, 409, { switched: false, reason: 'this signed request was already used' });
        }
        if (!agent.isLeading()) return send(res, 409, { switched: false, reason: `${pod} is not the leader (the Lease holder is ${leaseHolder || 'nobody'})` });
        agent.switchover(url.searchParams.get('to') ?? undefined).then(
          (r) => send(res, 200, { switched: true, ...r }),
          (err: Error) => send(res, 409, { switched: false, reason: err.message }),
        );
        return;
      }
      case 'POST /wait-applied': {
        const gtid = url.searchParams.get('gtid') ?? '';
        const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? '1000');
        if (!/^[\d,-]*$/.test(gtid) || !Number.isFinite(timeoutMs)) return send(res, 400, { error: 'expected gtid=<domain-server-seq,...> and timeoutMs=<number>' });
        agent.waitApplied(gtid, timeoutMs).then(
          (outcome) => send(res, { applied: 200, timeout: 504, busy: 429, leader: 409 }[outcome], { applied: outcome === 'applied', outcome, gtid }),
          (err: Error) => send(res, 503, { applied: false, error: err.message }),
        );
        return;
      }
      default:
        return send(res, 404, { error: `no route ${route}` });
    }
  });
  return listen(server, port, host);
}

/** The metrics port: `GET /metrics` and nothing else, so that what monitoring may reach cannot steer the agent. */
export function startMetricsHttp(agent: Agent, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (req.method !== 'GET' || url.pathname !== '/metrics') return send(res, 404, { error: `no route ${req.method} ${url.pathname} (this port serves GET /metrics)` });
    agent.metrics.registry.metrics().then(
      (text) => send(res, 200, text, agent.metrics.registry.contentType),
      (err: Error) => send(res, 500, err.message, 'text/plain'),
    );
  });
  return listen(server, port, host);
}

/** The admin socket (runDir/agent.sock): status and switchover for `agent status|switchover` and the preStop hook. */
export async function startAdminSocket(agent: Agent, path: string): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /status') return send(res, 200, agent.status());
    if (route === 'POST /switchover') {
      const to = url.searchParams.get('to') ?? undefined;
      // The preStop hook: the pod is going away whatever happens, so a follower answers at once and a
      // leader that cannot hand over steps down (releasing the Lease) rather than stop as leader.
      const prestop = url.searchParams.get('reason') === 'prestop';
      if (!agent.isLeading() && (prestop || url.searchParams.get('ifLeader') === 'true')) {
        return send(res, 200, { switched: false, reason: `${agent.status().pod} is not the leader` });
      }
      agent.switchover(to).then(
        (r) => send(res, 200, { switched: true, ...r }),
        async (err: Error) => {
          if (!prestop) return send(res, 409, { switched: false, reason: err.message });
          await agent.stepDown(`stopping: ${err.message}`);
          send(res, 200, { switched: false, reason: `${err.message}; stepped down and released the lease` });
        },
      );
      return;
    }
    return send(res, 404, { error: `no route ${route}` });
  });
  await listen(server, path);
  chmodSync(path, 0o600);
  return server;
}
