import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, microTime } from '../src/kube/api-client.js';
import { hasData } from '../src/commands/init.js';
import type { AgentStatus } from '../src/ha/status.js';

const PORT = 14550;

describe('the agent’s Kubernetes API client', () => {
  let server: Server;
  const seen: { method: string; url: string; auth: string | undefined; type: string | undefined; body: string }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'api-client-'));
  const tokenFile = join(dir, 'token');
  beforeAll(async () => {
    writeFileSync(tokenFile, 'first-token\n');
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], body });
        const reply = (code: number, payload: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
        if (req.url?.endsWith('/hang')) return; // accepts, never answers
        if (req.url?.endsWith('/auth') && req.headers.authorization !== 'Bearer second-token') return reply(401, { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' });
        if (req.url?.endsWith('/missing')) return reply(404, { kind: 'Status', reason: 'NotFound', message: 'leases "x" not found' });
        if (req.url?.endsWith('/conflict')) return reply(409, { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' });
        return reply(200, { ok: true });
      });
    }).listen(PORT, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends JSON with the token, under the server URL’s own path, and maps error statuses to ApiError', async () => {
    const api = new ApiClient({ url: `http://127.0.0.1:${PORT}/prefix`, tokenFile, caFile: undefined }, 2000);
    expect(await api.request('PATCH', '/api/v1/namespaces/db/pods/mysql-0', { metadata: {} }, 'application/merge-patch+json')).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: 'PATCH', url: '/prefix/api/v1/namespaces/db/pods/mysql-0', auth: 'Bearer first-token', type: 'application/merge-patch+json', body: '{"metadata":{}}' });
    const missing = await api.request('GET', '/x/missing').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, message: 'GET /prefix/x/missing: 404 leases "x" not found' });
    expect(await api.request('PUT', '/x/conflict', {}).catch((e: unknown) => e)).toMatchObject({ status: 409 });
  });

  it('gives up on a server that never answers after its timeout, and reads a rotated token after a 401', async () => {
    const api = new ApiClient({ url: `http://127.0.0.1:${PORT}`, tokenFile, caFile: undefined }, 300);
    const started = Date.now();
    await expect(api.request('GET', '/hang')).rejects.toThrow('GET /hang: no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
    // The kubelet rotated the projected token: the refused call makes the next one read the file again.
    expect(await api.request('GET', '/auth').catch((e: unknown) => e)).toMatchObject({ status: 401 });
    writeFileSync(tokenFile, 'second-token\n');
    expect(await api.request('GET', '/auth')).toEqual({ ok: true });
  });

  it('writes MicroTimes with exactly six fractional digits', () => {
    expect(microTime(new Date('2026-11-30T20:01:02.345Z'))).toBe('2026-11-30T20:01:02.345000Z');
  });
});

describe('what a new pod clones from', () => {
  const status = (role: AgentStatus['role'], up: boolean, binlogPos = '', receivedPos = '') => ({ role, mysql: { up, binlogPos, receivedPos } }) as AgentStatus;
  it('a leader or follower, even one whose agent has not seen the first writes yet; a transaction anywhere', () => {
    expect(hasData(status('leader', true))).toBe(true);
    expect(hasData(status('follower', true))).toBe(true);
    expect(hasData(status('none', true, '0-1-5'))).toBe(true);
  });
  it('not a peer of a new cluster that bootstrapped first and leads nothing yet, nor one whose server is down', () => {
    expect(hasData(status('none', true))).toBe(false);
    expect(hasData(status('leader', false, '0-1-5'))).toBe(false);
    expect(hasData(null)).toBe(false);
  });
});
