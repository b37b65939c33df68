import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsRecorder, metricNames, now, parseExposition, promtoolTest, readPrometheusRule, startExporter, waitFor, type AlertCheck, type ScrapeTarget } from '@mysqlha/testkit';
import { waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

const PORT_BASE = 15900;
const EXPORTER_PORT = PORT_BASE + 45;
const RULES = join(import.meta.dirname, '..', '..', 'overlays', 'components', 'monitoring', 'prometheusrule.yaml');
/** What the PodMonitor's service discovery puts on every target (the fake API's namespace is db). */
const target = (pod: string, container: 'agent' | 'exporter', port: number): ScrapeTarget => ({
  url: `http://127.0.0.1:${port}/metrics`,
  labels: { job: 'mysql', namespace: 'db', pod, container, endpoint: container === 'agent' ? 'metrics' : 'exporter', instance: `127.0.0.1:${port}` },
});

describe('the monitoring component’s alerts, by promtool, over series scraped from a real cluster under a double fault', () => {
  const h = useCluster(PORT_BASE);

  it('is quiet while healthy; names the dead agents, the missing leader, the blocked election and the dead server; quiet again once healed', async () => {
    const { c } = h;
    const leader = await waitHealthy(c);
    const [waiting, missing] = c.servers.filter((s) => s.name !== leader).map((s) => s.name) as [string, string];
    startExporter(c.server(leader), EXPORTER_PORT, join(c.server(leader).dataDir, '..', 'exporter.log'));
    const exporter = target(leader, 'exporter', EXPORTER_PORT);
    const exported = await waitFor('the exporter logged in', async () => {
      const samples = parseExposition(await (await fetch(exporter.url)).text());
      return samples.find((s) => s.name === 'mysql_up')?.value === 1 ? samples : undefined;
    }, { timeoutMs: 20_000 });
    // The dashboard's server panels read these.
    for (const name of ['mysql_global_status_queries', 'mysql_global_status_threads_connected']) expect(exported.some((s) => s.name === name), name).toBe(true);

    const groups = readPrometheusRule(RULES);
    const recorder = new MetricsRecorder([...c.agents.map((a) => target(a.name, 'agent', a.metricsPort)), exporter], 1000).start();
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    await waitFor('15 s of a healthy cluster recorded', () => recorder.nextRound >= 15, { timeoutMs: 30_000 });
    const quiet = recorder.nextRound - 1;

    // A follower's pod is lost, then the leader's: the other follower may lack an acknowledged write that only
    // the missing follower holds, so it must not promote itself (failoverPolicy safe).
    await Promise.all([c.agent(missing).kill9(), c.server(missing).kill9()]);
    await c.load.waitForAckAfter(now() + 500, { on: leader, timeoutMs: 10_000 });
    await Promise.all([c.agent(leader).kill9(), c.server(leader).kill9()]);
    const leaderLost = recorder.nextRound;
    await waitFor(`${waiting} waiting for ${missing}`, async () => (await c.status(waiting)).waitingFor.includes(missing), { timeoutMs: 20_000 });
    await waitFor('70 s of the double fault recorded', () => recorder.nextRound >= leaderLost + 70, { timeoutMs: 90_000, intervalMs: 500 });
    const broken = leaderLost + 65;

    await c.server(missing).start();
    await c.agent(missing).start();
    await c.server(leader).start();
    await c.agent(leader).start();
    await waitHealthy(c, 60_000);
    const healed = recorder.nextRound + 10;
    await waitFor('10 s of the healed cluster recorded', () => recorder.nextRound > healed, { timeoutMs: 30_000 });
    await recorder.stop();

    const agentLabels = (pod: string) => target(pod, 'agent', c.agent(pod).metricsPort).labels;
    const cluster = { namespace: 'db', job: 'mysql' };
    const checks: AlertCheck[] = [
      { atRound: quiet, firing: {} },
      {
        atRound: broken,
        firing: {
          MysqlhaAgentDown: [{ labels: agentLabels(leader) }, { labels: agentLabels(missing) }],
          MysqlhaNoLeader: [{ labels: cluster }],
          MysqlhaElectionBlocked: [{ labels: cluster }],
          MysqlhaServerDown: [{ labels: exporter.labels }],
        },
      },
      { atRound: healed, firing: {} },
    ];
    const out = await promtoolTest(groups, recorder.inputSeries(new Set([...metricNames(groups), 'up'])), checks, recorder.intervalMs);
    expect(out).toMatch(/SUCCESS/);
  }, 300_000);
});
