import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { now } from '@mysqlha/testkit';
import { verifyInvariants, waitHealthy } from './support/cluster.js';
import { useCluster } from './support/hooks.js';

// Every server logs every statement (general log, and a slow log with long_query_time=0 and admin statements),
// then the agents reconfigure replication several times (a switchover, a killed leader), which sends the
// replication password in CHANGE MASTER. No credential may appear in any server log, agent log or Event.
describe('credentials in logs and Events', () => {
  const h = useCluster(16800);

  it('none of the Secret values appears anywhere after switchovers and a failover', async () => {
    const { c } = h;
    for (const s of c.servers) {
      await s.query(`SET GLOBAL general_log_file = ?`, [join(s.dir, 'general.log')]);
      await s.query('SET GLOBAL general_log = ON, long_query_time = 0, log_slow_admin_statements = ON');
    }
    const first = await waitHealthy(c);
    c.load.start();
    await c.load.waitForAckAfter(now(), { timeoutMs: 10_000 });
    const target = c.servers.find((s) => s.name !== first)!.name;
    expect((await c.agent(first).cli(['switchover', '--to', target])).code).toBe(0);
    await waitHealthy(c, 30_000);
    const killedAt = now();
    await c.server(target).kill9();
    // The kubelet restarts the crashed container at once; whoever leads then reconfigures replication.
    await c.server(target).start();
    const next = await waitHealthy(c, 30_000);
    await c.load.waitForAckAfter(killedAt, { on: next, timeoutMs: 30_000 });
    await verifyInvariants(c);

    const secrets = c.servers[0]!.secrets;
    const values = {
      'root-password': secrets.rootPassword,
      'replication-password': secrets.replicationPassword,
      'agent-password': secrets.agentPassword,
      'clone-password': secrets.clonePassword,
      'clone-token': secrets.cloneToken,
    };
    const texts: [string, string][] = [];
    for (const s of c.servers) {
      for (const f of readdirSync(s.dir).filter((f) => f.endsWith('.log') || f.endsWith('.err'))) texts.push([join(s.dir, f), readFileSync(join(s.dir, f), 'utf8')]);
    }
    for (const a of c.agents) texts.push([a.logFile, readFileSync(a.logFile, 'utf8')]);
    texts.push(['Events', JSON.stringify(c.kube.timeline.events.map((e) => e.object))]);
    const general = texts.filter(([path]) => path.endsWith('general.log'));
    expect(general.some(([, text]) => /INSERT INTO/i.test(text)), 'the general log did record the clients').toBe(true);
    for (const [path, text] of texts) {
      for (const [key, value] of Object.entries(values)) expect(text.includes(value), `${key} in ${path}`).toBe(false);
    }
  });
});
