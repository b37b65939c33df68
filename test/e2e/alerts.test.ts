import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtoolTest, readPrometheusRule, seriesName, type AlertCheck, type InputSeries } from '@mysqlha/testkit';

/**
 * The alerts monitoring.test.ts cannot drive from a cluster on this machine (a diverged server, semi-sync falling
 * back, lag, a clone failing under kube-state-metrics, a certificate near its end), over series written here in
 * the shape the PodMonitor gives the agent's metrics. promtool evaluates the component's real rules.
 */
const RULES = readPrometheusRule(join(import.meta.dirname, '..', '..', 'overlays', 'components', 'monitoring', 'prometheusrule.yaml'));
const INTERVAL_MS = 15_000;
const agent = (pod: string) => ({ job: 'mysql', namespace: 'db', pod, container: 'agent', endpoint: 'metrics', instance: `10.0.0.${pod.slice(-1)}:9104` });
const series = (name: string, labels: Record<string, string>, values: string): InputSeries => ({ series: seriesName({ __name__: name, ...labels }), values });
const at = (minutes: number) => (minutes * 60_000) / INTERVAL_MS;

async function check(input: InputSeries[], checks: AlertCheck[]): Promise<void> {
  expect(await promtoolTest(RULES, input, checks, INTERVAL_MS)).toMatch(/SUCCESS/);
}

describe('the monitoring component’s alerts, by promtool, over written series', () => {
  it('MysqlhaDiverged fires after a minute of a diverged server, for that pod only', async () => {
    await check(
      [series('mysqlha_diverged', agent('mysql-2'), '0 0 1x20'), series('mysqlha_diverged', agent('mysql-1'), '0x22')],
      [
        { atRound: at(1), firing: {} },
        { atRound: at(2), firing: { MysqlhaDiverged: [{ labels: agent('mysql-2') }] } },
      ],
    );
  });

  it('MysqlhaSemiSyncOff fires after a minute of asynchronous commits, and stops when semi-sync is back', async () => {
    await check([series('mysqlha_semi_sync_off', agent('mysql-0'), '0 1x8 0x4')], [
      { atRound: at(0.5), firing: {} },
      { atRound: at(2), firing: { MysqlhaSemiSyncOff: [{ labels: agent('mysql-0') }] } },
      { atRound: at(2.75), firing: {} },
    ]);
  });

  it('MysqlhaReplicationLag fires after 2 minutes over 30 s; a short spike does not', async () => {
    await check(
      [series('mysqlha_replication_lag_seconds', agent('mysql-1'), '5 40x14'), series('mysqlha_replication_lag_seconds', agent('mysql-2'), '0 90 90 0x12')],
      [
        { atRound: at(1), firing: {} },
        { atRound: at(3), firing: { MysqlhaReplicationLag: [{ labels: agent('mysql-1') }] } },
      ],
    );
  });

  it('MysqlhaFollowerNotReplicating fires for a follower without replication, not for a pod that is no follower', async () => {
    const role = (pod: string, r: string, values: string) => series('mysqlha_role', { ...agent(pod), role: r }, values);
    await check(
      [
        series('mysqlha_replication_lag_seconds', agent('mysql-1'), '-1x14'),
        role('mysql-1', 'follower', '1x14'),
        series('mysqlha_replication_lag_seconds', agent('mysql-2'), '-1x14'),
        role('mysql-2', 'follower', '0x14'),
        role('mysql-2', 'none', '1x14'),
        series('mysqlha_replication_lag_seconds', agent('mysql-0'), '-1x14'),
        role('mysql-0', 'leader', '1x14'),
      ],
      [
        { atRound: at(1), firing: {} },
        { atRound: at(3), firing: { MysqlhaFollowerNotReplicating: [{ labels: agent('mysql-1') }] } },
      ],
    );
  });

  it('MysqlhaCloneFailing fires when a pod’s clone init container restarts twice within 15 minutes', async () => {
    const ksm = (pod: string) => ({ job: 'kube-state-metrics', namespace: 'db', pod, container: 'clone' });
    await check(
      [
        series('kube_pod_init_container_status_restarts_total', ksm('mysql-3'), '0 0 1 1 2 2 3 3'),
        series('kube_pod_init_container_status_restarts_total', ksm('mysql-1'), '0 0 1 1 1 1 1 1'),
        series('kube_pod_init_container_status_restarts_total', ksm('other-0'), '0 1 2 3 4 5 6 7'),
      ],
      [
        { atRound: 1, firing: {} },
        { atRound: 5, firing: { MysqlhaCloneFailing: [{ labels: ksm('mysql-3') }] } },
      ],
    );
  });

  it('MysqlhaTlsReloadFailing and MysqlhaCertificateExpiresSoon fire after 10 minutes, for the pod concerned', async () => {
    // promtool's clock starts at the Unix epoch: an expiry 6 days after it is 6 days away.
    await check(
      [
        series('up', agent('mysql-0'), '1x50'),
        series('mysqlha_tls_reload_failing', agent('mysql-0'), '1x50'),
        series('mysqlha_tls_reload_failing', agent('mysql-1'), '0x50'),
        series('mysqlha_tls_certificate_expiry_timestamp_seconds', agent('mysql-0'), `${6 * 86400}x50`),
        series('mysqlha_tls_certificate_expiry_timestamp_seconds', agent('mysql-1'), `${30 * 86400}x50`),
        // Without TLS the gauge stays 0: no certificate, nothing expires.
        series('mysqlha_tls_certificate_expiry_timestamp_seconds', agent('mysql-2'), '0x50'),
      ],
      [
        { atRound: at(5), firing: {} },
        { atRound: at(11), firing: { MysqlhaTlsReloadFailing: [{ labels: agent('mysql-0') }], MysqlhaCertificateExpiresSoon: [{ labels: agent('mysql-0') }] } },
      ],
    );
  });

  it('MysqlhaTwoLeaders and MysqlhaTwoWritable fire after 30 s of two, not for a one-scrape overlap of a handover', async () => {
    const exporter = (pod: string) => ({ ...agent(pod), container: 'exporter', endpoint: 'exporter', instance: `10.0.0.${pod.slice(-1)}:9105` });
    const role = (pod: string, values: string) => series('mysqlha_role', { ...agent(pod), role: 'leader' }, values);
    const readOnly = (pod: string, values: string) => series('mysql_global_variables_read_only', exporter(pod), values);
    const cluster = { namespace: 'db', job: 'mysql' };
    await check(
      [role('mysql-0', '1 1 0 0 1x10'), role('mysql-1', '0 1 1 1 1x10'), readOnly('mysql-0', '0 0 1 1 0x10'), readOnly('mysql-1', '1 0 0 0 0x10')],
      [
        { atRound: 2, firing: {} },
        { atRound: 12, firing: { MysqlhaTwoLeaders: [{ labels: cluster }], MysqlhaTwoWritable: [{ labels: cluster }] } },
      ],
    );
  });

  it('MysqlhaNoAgentScraped fires when no agent is scraped at all for 5 minutes', async () => {
    await check([series('up', { job: 'mysql', namespace: 'db', pod: 'mysql-0', container: 'exporter', endpoint: 'exporter', instance: 'x' }, '1x30')], [
      { atRound: at(4), firing: {} },
      { atRound: at(6), firing: { MysqlhaNoAgentScraped: [{ labels: { job: 'mysql', container: 'agent' } }] } },
    ]);
  });
});
