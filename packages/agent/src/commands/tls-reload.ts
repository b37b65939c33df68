import type { CloneDonor } from '../clone/index.js';
import { MysqlDown, Session } from '../db/mysql.js';
import type { Agent } from '../ha/agent.js';
import type { Logger } from '../ha/log.js';
import { readSecret } from '../settings/secrets.js';
import { TlsReloader, type TlsFiles } from '../tls/index.js';

/**
 * Checks the TLS Secret's files every `everyMs` beside the HA loop, never in it: a reload has no part in who
 * leads. As root over the server's Unix socket: it needs no TLS, so a certificate the server serves that the
 * current CA no longer accepts (a new CA) cannot keep the reload from running.
 */
export function reloadTlsEvery(everyMs: number, agent: Agent, donor: CloneDonor, files: TlsFiles, log: Logger): NodeJS.Timeout {
  const s = agent.s;
  const db = new Session(() => ({ host: s.mysqlHost, port: s.mysqlPort, socketPath: s.mysqlSocket, user: 'root', password: readSecret(s.secretsDir, 'root-password') }), 5000, { quiet: true });
  const reloader = new TlsReloader({
    files,
    flushServer: async () => {
      try {
        // LOCAL: a FLUSH is binlogged otherwise, and would be a transaction of this server's own on a follower.
        await db.query('FLUSH LOCAL SSL');
        return true;
      } catch (err) {
        if (err instanceof MysqlDown && err.cause !== 'error') return false;
        throw err;
      }
    },
    reloadDonor: (material) => donor.useCertificate(material),
    served: (notAfter, failing) => {
      if (notAfter) agent.metrics.tlsExpiry.set(notAfter.getTime() / 1000);
      agent.metrics.tlsReloadFailing.set(failing ? 1 : 0);
    },
    log,
    emit: (type, reason, message) => agent.emit(type, reason, message),
  });
  let running = false;
  const tick = (): void => {
    if (running) return;
    running = true;
    void reloader.check().finally(() => {
      running = false;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return timer;
}
