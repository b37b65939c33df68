import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { makeMysqlTls, now, renewMysqlTls, startServers, waitFor, type MariaServer } from '@mysqlha/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runClone, startCloneDonor } from '../../packages/agent/src/clone/index.js';
import { sourceServesVerifiedTls } from '../../packages/agent/src/db/source-tls.js';
import { metric, verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// Servers 16950-16952, agents 16960+, donors 16970+, fake API 16980, metrics 16983+; an impostor server on 16990
// (another cluster's, its own CA) and its clone donor on 16991; single servers on 16992-16994.
const PORT_BASE = 16950;
const NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

interface SlaveStatus {
  Slave_IO_Running: string;
  Master_SSL_Allowed: string;
  Master_SSL_CA_File: string;
  Master_SSL_Verify_Server_Cert: string;
  Last_IO_Error: string;
}

async function slaveStatus(server: MariaServer): Promise<SlaveStatus> {
  const [row] = await server.query<SlaveStatus>('SHOW SLAVE STATUS');
  return row!;
}

/** The end of validity of the certificate `server` shows a new TLS connection (the status is fixed per session). */
async function servedNotAfter(server: MariaServer): Promise<string> {
  const [row] = await server.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_server_not_after'");
  return row!.Value;
}

/** The certificate an HTTPS clone donor presents, as a receiver trusting `ca` sees it. */
function donorCertificate(port: number, ca: Buffer): Promise<{ validTo: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      if (!peer) return reject(new Error('no certificate'));
      resolve({ validTo: peer.validTo, fingerprint: peer.fingerprint256 });
    });
    socket.on('error', reject);
  });
}

describe('TLS on every connection (three agents, real servers, their certificate from one CA)', () => {
  const h = useCluster(PORT_BASE);
  const scratch = mkdtempSync(join(tmpdir(), 'mysqlha-tls-test-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('clients and replication use verified TLS, the agents run on it, and plain TCP is refused', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    for (const server of c.servers) {
      expect(await server.value('SELECT @@require_secure_transport'), server.name).toBe(1);
      // The right password in plain text: refused all the same.
      await expect(server.connect({ plaintext: true }), `${server.name} plain TCP`).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
      const conn = await server.connect();
      try {
        const [[row]] = (await conn.query("SHOW SESSION STATUS LIKE 'Ssl_version'")) as unknown as [[{ Value: string }]];
        expect(row.Value, server.name).toMatch(/^TLSv1\.[23]$/);
      } finally {
        conn.destroy();
      }
    }
    for (const follower of c.servers.filter((s) => s.name !== leader)) {
      const status = await slaveStatus(follower);
      expect(status, follower.name).toMatchObject({ Slave_IO_Running: 'Yes', Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes', Master_SSL_CA_File: follower.tls!.ca });
    }
    // The agents' own sessions are TCP to a server that refuses plain TCP: their leader took the Lease and acknowledges writes.
    expect(c.agent(leader).logTail(200)).toMatch(/clone donor listening on 0\.0\.0\.0:\d+ \(https\)/);
    await verifyInvariants(c);
  });

  it('a follower that replicates without TLS (TLS switched on later) re-points itself at a verified TLS login', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const follower = c.servers.find((s) => s.name !== leader)!;
    // As CHANGE MASTER left it before TLS: the leader refuses the IO thread's plain login.
    await follower.query('STOP SLAVE');
    await follower.query('CHANGE MASTER TO MASTER_SSL = 0, MASTER_SSL_CA = ?, MASTER_SSL_VERIFY_SERVER_CERT = 0', ['']);
    await follower.query('START SLAVE');
    await waitFor(`${follower.name} logs in over verified TLS again`, async () => {
      const s = await slaveStatus(follower);
      return s.Slave_IO_Running === 'Yes' && s.Master_SSL_Allowed === 'Yes' && s.Master_SSL_Verify_Server_Cert === 'Yes' ? s : undefined;
    }, { timeoutMs: 30_000 });
    expect(c.agent(follower.name).logTail(100)).toMatch(/replication now logs in with TLS verified against /);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await verifyInvariants(c);
  });

  it('a renewed certificate is served by every mariadbd and clone donor without a restart; a half-written or foreign one is not', async () => {
    const { c } = h;
    await waitHealthy(c);
    const tls = c.servers[0]!.tls!;
    const ca = readFileSync(tls.ca);
    const pids = [...c.servers, ...c.agents].map((p) => p.pid);
    const old = new X509Certificate(readFileSync(tls.cert));
    for (const a of c.agents) expect((await donorCertificate(a.clonePort, ca)).fingerprint, a.name).toBe(old.fingerprint256);
    c.load.start();
    const renewedAt = now();
    // What cert-manager issues on renewal: a new key, a certificate from the same CA, a later end of validity.
    const fresh = await renewMysqlTls(join(scratch, 'fresh'), { ...NAMES, days: 3 }, { cert: tls.ca, key: tls.caKey });
    const renewed = new X509Certificate(readFileSync(fresh.cert));
    expect(renewed.validTo).not.toBe(old.validTo);

    // A certificate and key of another CA: a pair, but not one the cluster trusts. Not loaded.
    const foreign = await makeMysqlTls(join(scratch, 'foreign'), NAMES);
    replaceFile(tls.key, readFileSync(foreign.key));
    replaceFile(tls.cert, readFileSync(foreign.cert));
    await waitFor('every agent refusing a certificate of another CA', async () => c.agents.every((a) => /TLS certificate not reloaded, retrying in 5 s: TLS certificate .* expected one issued by a CA of/.test(a.logTail(200))), { timeoutMs: 20_000 });

    // Caught half-written: the new key beside the old certificate. Nothing loads it; the old one is still served.
    replaceFile(tls.cert, readFileSync(fresh.cert));
    replaceFile(tls.key, readFileSync(foreign.key));
    await waitFor('every agent refusing the half-written files', async () => c.agents.every((a) => /TLS certificate not reloaded, retrying in 5 s: TLS key .* expected the private key of/.test(a.logTail(200))), { timeoutMs: 20_000 });
    for (const server of c.servers) expect(await servedNotAfter(server), server.name).toBe(old.validTo);
    for (const a of c.agents) {
      expect(await metric(a, 'mysqlha_tls_reload_failing'), a.name).toBe(1);
      expect(await metric(a, 'mysqlha_tls_certificate_expiry_timestamp_seconds'), `${a.name} reports what it serves`).toBe(Date.parse(old.validTo) / 1000);
    }
    expect(c.kube.timeline.events.filter((e) => e.reason === 'TlsNotReloaded' && e.time > renewedAt).map((e) => e.by).sort()).toEqual([...c.agents.map((a) => a.name), ...c.agents.map((a) => a.name)].sort());
    // An agent restarted meanwhile starts all the same; its donor refuses every handshake until a certificate loads.
    const restarted = c.agents.find((a) => a.name !== c.kube.leader())!;
    await restarted.stop();
    await restarted.start();
    expect(restarted.logTail(50)).toMatch(/clone donor starts without a certificate, refusing every connection until one loads/);
    await expect(donorCertificate(restarted.clonePort, ca)).rejects.toThrow();
    const steady = [...c.servers, ...c.agents].map((p) => p.pid);

    replaceFile(tls.key, readFileSync(fresh.key));
    await waitFor('every mariadbd and clone donor serving the renewed certificate', async () => {
      for (const server of c.servers) if ((await servedNotAfter(server)) !== renewed.validTo) return undefined;
      for (const a of c.agents) if ((await donorCertificate(a.clonePort, ca)).fingerprint !== renewed.fingerprint256) return undefined;
      return true;
    }, { timeoutMs: 20_000 });
    expect([...c.servers, ...c.agents].map((p) => p.pid), 'nothing restarted').toEqual(steady);
    expect(pids.filter((pid) => !steady.includes(pid)), 'only the agent restarted on purpose').toHaveLength(1);
    expect(new Set(c.kube.timeline.events.filter((e) => e.reason === 'TlsReloaded' && e.time > renewedAt).map((e) => e.by))).toEqual(new Set(c.agents.map((a) => a.name).filter((n) => n !== restarted.name)));
    for (const a of c.agents) {
      expect(await metric(a, 'mysqlha_tls_certificate_expiry_timestamp_seconds'), a.name).toBe(Date.parse(renewed.validTo) / 1000);
      expect(await metric(a, 'mysqlha_tls_reload_failing'), a.name).toBe(0);
    }
    // Replication reconnects over the renewed certificate too.
    for (const server of c.servers.filter((s) => s.name !== c.kube.leader())) {
      await server.query('STOP SLAVE IO_THREAD');
      await server.query('START SLAVE IO_THREAD');
    }
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await waitHealthy(c);
    // A reload is no transaction: the servers' GTID sets stay the same (FLUSH LOCAL SSL stays out of the binlog).
    await verifyInvariants(c);
  });

  it('a new CA, certificate and key arriving together are loaded, though the new CA refuses what is still served', async () => {
    const { c } = h;
    await waitHealthy(c);
    const tls = c.servers[0]!.tls!;
    const pids = [...c.servers, ...c.agents].map((p) => p.pid);
    const since = now();
    // Issuer changed (or the CA's Secret was lost): every file of the Secret is new at once.
    const next = await makeMysqlTls(join(scratch, 'new-ca'), NAMES);
    const issued = new X509Certificate(readFileSync(next.cert));
    // Opened while the old CA is in the files: once they change, a new TLS session to a server would be refused.
    const sessions = await Promise.all(c.servers.map((server) => server.connect()));
    replaceFile(tls.ca, readFileSync(next.ca));
    replaceFile(tls.key, readFileSync(next.key));
    replaceFile(tls.cert, readFileSync(next.cert));
    // The agents' root sessions must connect anew, as after a restart of mariadbd or a wait_timeout: over TCP the
    // new CA refuses the certificate still served, so only a reload that needs no TLS can get through.
    for (const conn of sessions) {
      try {
        const [rows] = (await conn.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'root' AND ID <> CONNECTION_ID()")) as unknown as [{ ID: number }[]];
        for (const row of rows) await conn.query('KILL CONNECTION ?', [row.ID]).catch(() => undefined);
      } finally {
        conn.destroy();
      }
    }
    c.load.start();
    await waitFor('every mariadbd serving the certificate of the new CA', async () => {
      for (const server of c.servers) if ((await servedNotAfter(server).catch(() => '')) !== issued.validTo) return undefined;
      return true;
    }, { timeoutMs: 20_000 });
    expect(new Set(c.kube.timeline.events.filter((e) => e.reason === 'TlsReloaded' && e.time > since).map((e) => e.by))).toEqual(new Set(c.agents.map((a) => a.name)));
    expect([...c.servers, ...c.agents].map((p) => p.pid), 'nothing restarted').toEqual(pids);
    await c.load.waitForAckAfter(now(), { timeoutMs: 20_000 });
    await waitHealthy(c);
    await verifyInvariants(c);
  });

  it('replication and the clone refuse a peer whose certificate the cluster CA did not sign', async () => {
    const { c } = h;
    const leader = c.server(await waitHealthy(c));
    // Another cluster's server and donor: its own CA, the same names.
    const [impostor] = await startServers({ count: 1, portBase: PORT_BASE + 40 });
    const tls = leader.tls!;
    try {
      // The impostor, trusting only its own CA, refuses the cluster's leader as a source, and so each side would the other.
      await impostor!.query(
        "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = 'repl', MASTER_PASSWORD = ?, MASTER_SSL = 1, MASTER_SSL_CA = ?, MASTER_SSL_VERIFY_SERVER_CERT = 1, MASTER_CONNECT_RETRY = 1",
        [leader.port, leader.secrets.replicationPassword, impostor!.tls!.ca],
      );
      await impostor!.query('START SLAVE');
      const refused = await waitFor('the leader refused as a source', async () => {
        const [row] = await impostor!.query<{ Last_IO_Error: string }>('SHOW SLAVE STATUS');
        return row?.Last_IO_Error || undefined;
      }, { timeoutMs: 20_000 });
      expect(refused).toMatch(/SSL|TLS|certificate/i);
      expect(await impostor!.value('SELECT @@gtid_slave_pos')).toBe('');

      // A receiver trusting the cluster CA gets nothing from the impostor's donor, though it knows the token.
      const donor = await startCloneDonor({
        host: '127.0.0.1',
        port: PORT_BASE + 41,
        tokenFile: join(leader.secrets.dir, 'clone-token'),
        tls: { certFile: impostor!.tls!.cert, keyFile: impostor!.tls!.key },
        mysql: { host: '127.0.0.1', port: impostor!.port, user: 'root', passwordFile: join(impostor!.secrets.dir, 'root-password'), sslCaFile: impostor!.tls!.ca },
        mayDonate: () => true,
        logger: quiet,
      });
      try {
        const dataDir = join(scratch, 'receiver', 'data');
        const candidates = () => [{ name: 'impostor', url: `https://127.0.0.1:${PORT_BASE + 41}`, role: 'leader' as const, healthy: true }];
        await expect(runClone({ dataDir, candidates, tokenFile: join(leader.secrets.dir, 'clone-token'), caFile: tls.ca, logger: quiet, attempts: 1 })).rejects.toThrow(/certificate/);
        expect(donor.status().bytesSent).toBe(0);
      } finally {
        await donor.close();
      }
    } finally {
      await impostor!.stop();
    }
    await waitHealthy(c);
  });
});

describe('which replication sources serve verified TLS (what a follower whose own server does not require TLS asks)', () => {
  it('says no only for a source without TLS or with a certificate the CA does not verify; unknown when TLS is not the problem', async () => {
    const [clusterServer] = await startServers({ count: 1, portBase: PORT_BASE + 42 });
    const [withoutTls] = await startServers({ count: 1, portBase: PORT_BASE + 43, tls: false });
    const [otherCa] = await startServers({ count: 1, portBase: PORT_BASE + 44 });
    try {
      const ca = clusterServer!.tls!.ca;
      const login = (s: MariaServer, password = s.secrets.replicationPassword) => ({ host: '127.0.0.1', port: s.port, user: 'repl', password, sslCaFile: ca });
      expect(await sourceServesVerifiedTls(login(clusterServer!), 2000)).toBe('yes');
      expect(await sourceServesVerifiedTls(login(withoutTls!), 2000)).toBe('no');
      expect(await sourceServesVerifiedTls(login(otherCa!), 2000)).toBe('no');
      // A refused login or a server that is down says nothing about TLS: the follower keeps to TLS.
      expect(await sourceServesVerifiedTls(login(clusterServer!, 'wrong-password'), 2000)).toBe('unknown');
      await clusterServer!.stop();
      expect(await sourceServesVerifiedTls(login(clusterServer!), 2000)).toBe('unknown');
    } finally {
      await Promise.all([clusterServer, withoutTls, otherCa].map((s) => s!.stop()));
    }
  });
});

/** Replaces a file whole, as the kubelet swaps a Secret's files: a reader sees the old content or the new. */
function replaceFile(path: string, content: Buffer): void {
  writeFileSync(`${path}.next`, content, { mode: 0o600 });
  renameSync(`${path}.next`, path);
}
