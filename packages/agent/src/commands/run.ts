import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_ACCOUNT, CLONE_ACCOUNT } from '@mysqlha/config';
import { Recloner, startCloneDonor } from '../clone/index.js';
import { Agent } from '../ha/agent.js';
import { consoleLogger } from '../ha/log.js';
import { startAdminSocket, startHttp, startMetricsHttp } from '../http/server.js';
import { loadSettings, serverConfigTemplate } from '../settings/settings.js';
import { cloneCandidates } from './clone.js';
import { reloadTlsEvery } from './tls-reload.js';
import { TLS_CHECK_EVERY_MS } from '../tls/index.js';

export const RUN_HELP = `agent run [--config FILE] [--<setting> VALUE ...]

Runs the HA loop for this pod: holds or follows the Lease, makes the local mysqld the writable leader
or a read-only follower, and serves /healthz, /readyz, /status and /metrics on httpPort and the admin
socket runDir/agent.sock, and the clone donor on clonePort. On SIGTERM a leader hands over to the most advanced follower first.
A follower that refuses to replicate over a diverged history for recloneDivergedAfterMs (default 30000; 0: never)
re-clones itself from a peer, keeping the old datadir beside the new one (docs/ha.md).

Settings come from agent.yaml (MYSQLHA_CONFIG), MYSQLHA_* variables and --flags (flag > env > file),
e.g. --http-port 8080, --loop-interval-ms 500, --failover-policy safe. POD_NAME and POD_NAMESPACE name the pod.`;

export async function run(argv: string[]): Promise<number> {
  const settings = loadSettings({ argv });
  if (!settings.podName) throw new Error('POD_NAME is not set: the agent needs to know which pod it runs in');
  const log = consoleLogger(settings.podName);
  const agent = new Agent(settings, log);
  const http = await startHttp(agent, settings.httpPort, '0.0.0.0');
  const metricsHttp = await startMetricsHttp(agent, settings.metricsPort, '0.0.0.0');
  const admin = await startAdminSocket(agent, join(settings.runDir, 'agent.sock'));
  const podConfig = join(settings.runDir, 'my.cnf');
  const localServer = { host: settings.mysqlHost, port: settings.mysqlPort, sslCaFile: settings.tlsCaFile };
  const tlsFiles = settings.tlsCertFile ? { certFile: settings.tlsCertFile, keyFile: settings.tlsKeyFile, caFile: settings.tlsCaFile } : undefined;
  const donor = await startCloneDonor({
    host: '0.0.0.0',
    port: settings.clonePort,
    tokenFile: join(settings.secretsDir, 'clone-token'),
    ...(tlsFiles ? { tls: tlsFiles } : {}),
    mysql: { ...localServer, user: CLONE_ACCOUNT.user, passwordFile: join(settings.secretsDir, 'clone-password') },
    serverDefaultsFile: existsSync(podConfig) ? podConfig : serverConfigTemplate(settings),
    dataDir: settings.dataDir,
    mayDonate: () => agent.mayDonate(),
  });
  agent.cloneStatus = () => donor.status();
  const recloner = new Recloner({
    dataDir: settings.dataDir,
    afterMs: settings.recloneDivergedAfterMs,
    mysql: { ...localServer, user: AGENT_ACCOUNT.user, passwordFile: join(settings.secretsDir, 'agent-password') },
    holdsLease: () => agent.isLeading() || agent.status().leaseHolder === settings.podName,
    setDiverged: (reason) => agent.setDiverged(reason),
    event: (type, reason, message) => agent.emit(type, reason, message),
    candidates: () => cloneCandidates(settings),
    tokenFile: join(settings.secretsDir, 'clone-token'),
    ...(settings.tlsCaFile ? { caFile: settings.tlsCaFile } : {}),
    logger: { info: log.info, warn: (m) => log.error(`warning: ${m}`), error: (m) => log.error(m) },
  });
  agent.onRefuse = (reason, foreign, confirmed) => recloner.refused(reason, foreign, confirmed);
  const tlsReloads = tlsFiles ? reloadTlsEvery(TLS_CHECK_EVERY_MS, agent, donor, tlsFiles, log) : undefined;
  await recloner.resume();
  log.info(
    `agent started: mysqld ${settings.mysqlHost}:${settings.mysqlPort}, http :${settings.httpPort}, metrics :${settings.metricsPort}, lease ${settings.namespace}/${settings.leaseName}, ` +
      `loop ${settings.loopIntervalMs} ms, renew deadline ${settings.renewDeadlineMs} ms, lease ${settings.leaseDurationMs} ms, policy ${settings.failoverPolicy}`,
  );
  agent.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: shutting down`);
      if (agent.isLeading()) {
        try {
          const r = await agent.switchover();
          log.info(`handed over to ${r.to} (${r.readOnlyMs} ms read-only)`);
        } catch (err) {
          log.error(`${(err as Error).message}; stepping down without a handover`);
          await agent.stepDown(`${signal} with no follower able to take over`);
        }
      }
      clearInterval(tlsReloads);
      await agent.stop();
      await donor.close();
      http.close();
      metricsHttp.close();
      admin.close();
      resolve(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });
}
