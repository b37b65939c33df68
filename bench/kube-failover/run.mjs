#!/usr/bin/env zx
// Failover on a real control plane: the dev overlay on kube-apiserver, the controllers and the scheduler, its pods
// on the test node, a write load routed by the leader Service's EndpointSlice. Builds nothing itself
// (npm run bench:kube-failover does).
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchArgs } from '../args.mjs';
import { KubeCluster, WritableWatcher, cpuPercent, now, rssKiB, sleep, stopAll, summarize } from '@mysqlha/testkit';

const PODS = ['mysql-0', 'mysql-1', 'mysql-2'];
const SCENARIOS = ['kill-mysqld', 'kill-pod', 'delete-leader-pod', 'rolling-restart'];
const usage = `Usage: npm run bench:kube-failover -- [--runs N] [--restart-runs M] [--scenarios a,b] [--port-base P] [--json] [--record]

Runs the dev overlay on a real control plane (ports P..P+4, default 17400) with a test node (pods' paths to the API
on 10.96.0.1:P+100..P+199), measures each agent's RSS, idle CPU and API requests over 10 s, then runs each scenario
N times (default 20; rolling-restart M times, default 5) under a write load through the mysql-leader Service:
  kill-mysqld        kill -9 of the leader's mariadbd (its container restarts; the node's longest restart
                     back-off is 10 s, crashLoopBackOff.maxContainerRestartPeriod, so runs stay seconds apart)
  kill-pod           the leader's pod lost at once (every process killed, no hook, as a node losing power), at a
                     random instant of the holder's 1 s renew cycle; the Lease must expire. The Pod is then
                     deleted and recreated
  delete-leader-pod  kubectl delete pod of the leader: its preStop hook hands over
  rolling-restart    kubectl rollout restart statefulset mysql: total write unavailability
For each: fault -> first acknowledged write on another pod (none for rolling-restart), the longest gap between
acknowledged writes, the sum of gaps over 100 ms, acknowledged writes lost, ms with two writable servers.
Needs root. Writes nothing into the repository unless --record (appends to bench/README.md).`;
const fail = benchArgs(argv, usage, ['runs', 'restart-runs', 'scenarios', 'port-base', 'json', 'record']);
const whole = (key, fallback) => {
  const value = Number(argv[key] ?? fallback);
  if (!Number.isInteger(value) || value < 1) fail(`--${key}: expected a whole number >= 1, got ${argv[key]}`);
  return value;
};
const runs = whole('runs', 20);
const restartRuns = whole('restart-runs', 5);
const portBase = whole('port-base', 17400);
if (portBase < 1024 || portBase + 199 > 32767) fail(`--port-base: expected a port with P+199 below 32768, got ${portBase}`);
const names = String(argv.scenarios ?? SCENARIOS.join(',')).split(',').filter(Boolean);
for (const name of names) if (!SCENARIOS.includes(name)) fail(`--scenarios: unknown scenario ${name}; expected some of ${SCENARIOS.join(', ')}`);
if (process.getuid?.() !== 0) fail('the test node needs root (network namespaces, mounts)');

const GAP_MS = 100;
const IDLE_WINDOW_MS = 10_000;
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
const toMiB = (kib) => Number((kib / 1024).toFixed(1));
process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));

/** Within [from, to]: the longest gap between acknowledged writes, and the sum of the gaps over GAP_MS. */
function gaps(load, from, to) {
  const all = load.gaps(from, to);
  return { longestGapMs: Math.round(all.reduce((a, g) => Math.max(a, g), 0)), unavailableMs: Math.round(all.filter((g) => g > GAP_MS).reduce((a, g) => a + g, 0)) };
}

const faults = {
  'kill-mysqld': async (c, leader) => {
    const pid = c.node.pod(leader).pid('mysql');
    process.kill(pid, 'SIGKILL');
  },
  'kill-pod': async (c, leader) => {
    await c.node.crash(leader);
  },
  'delete-leader-pod': async (c, leader) => {
    await c.kubectl('delete', 'pod', leader, '--wait=false');
  },
  'rolling-restart': async (c) => {
    await c.kubectl('rollout', 'restart', 'statefulset', 'mysql');
    await c.kubectl('rollout', 'status', 'statefulset', 'mysql', '--timeout=600s');
  },
};

async function runOnce(c, load, watcher, name) {
  const leader = await c.waitHealthy(PODS, 180_000);
  await load.waitForAckAfter(now(), { on: leader, timeoutMs: 30_000 });
  // The holder renews every second: a fault at a random instant of that cycle measures the worst case too.
  if (name === 'kill-pod') await sleep(Math.random() * 1000);
  const overlapsBefore = watcher.totalOverlapMs();
  const from = now();
  await faults[name](c, leader);
  let failoverMs;
  if (name !== 'rolling-restart') {
    const next = await c.waitNewHolder(leader);
    failoverMs = Math.round((await load.waitForAckAfter(from, { on: next, timeoutMs: 60_000 })).at - from);
  }
  if (name === 'kill-pod') await c.cp.api.expect('DELETE', `/api/v1/namespaces/${c.namespace}/pods/${leader}`, { body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
  await c.waitHealthy(PODS, 180_000);
  const to = (await load.waitForAckAfter(now(), { timeoutMs: 30_000 })).at;
  return { leader, failoverMs, ...gaps(load, from, to), dualWritableMs: Math.round(watcher.totalOverlapMs() - overlapsBefore) };
}

const fmt = (s) => (s ? `${s.p50} / ${s.p99} / ${s.max}` : '-');
const loadAtStart = loadavg().map((v) => Number(v.toFixed(2)));
// The same server is killed every few seconds: a back-off growing to the kubelet's default 5 min would measure
// CrashLoopBackOff, not failover. 10 s, as a node with crashLoopBackOff.maxContainerRestartPeriod: 10s.
const c = await KubeCluster.start({ portBase, apiPortBase: portBase + 100, maxRestartBackOffSeconds: 10 });
try {
  log(`leader ${await c.waitHealthy(PODS, 180_000)}; measuring the agents over ${IDLE_WINDOW_MS / 1000} s with no writes`);
  const agentPids = PODS.map((p) => c.node.pod(p).pid('agent'));
  const idleRss = agentPids.map((pid) => toMiB(rssKiB(pid)));
  const before = PODS.map((p) => c.node.apiPath(p).connections);
  const idleCpu = await cpuPercent(agentPids, IDLE_WINDOW_MS);
  const apiPerSecond = PODS.map((p, i) => Number(((c.node.apiPath(p).connections - before[i]) / (IDLE_WINDOW_MS / 1000)).toFixed(2)));

  const watcher = new WritableWatcher(c.watched(PODS)).start();
  const { load, route } = await c.writeLoad();
  load.start();
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) {
    const count = name === 'rolling-restart' ? restartRuns : runs;
    for (let run = 1; run <= count; run++) {
      try {
        const r = await runOnce(c, load, watcher, name);
        results[name].push(r);
        log(`${name} ${run}/${count}: from ${r.leader}${r.failoverMs !== undefined ? `, first write on the new leader after ${r.failoverMs} ms` : ''}, longest gap ${r.longestGapMs} ms, unavailable ${r.unavailableMs} ms, dual-writable ${r.dualWritableMs} ms`);
      } catch (error) {
        results[name].push({ error: error.message });
        log(`${name} ${run}/${count} FAILED: ${error.message}`);
      }
    }
  }
  await load.stop();
  await route.stop();
  await watcher.stop();
  let lost = 0;
  try {
    await c.waitAllHave(PODS, load.ackedIds(), 60_000);
  } catch (error) {
    const leader = await c.leaseHolder();
    lost = (await c.missingOn(leader, load.ackedIds())).length;
    log(`not every write everywhere: ${error.message}; the leader lacks ${lost}`);
  }
  const doc = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loadAverage: { start: loadAtStart, end: loadavg().map((v) => Number(v.toFixed(2))) },
    agents: { idleRssMiB: idleRss, idleCpuPercent: idleCpu.map((v) => Number(v.toFixed(2))), apiRequestsPerSecond: apiPerSecond, endRssMiB: PODS.map((p) => toMiB(rssKiB(c.node.pod(p).pid('agent')))) },
    writes: { acked: load.acked.length, errors: load.errors, lost, serviceHadTwoEndpoints: route.multiple },
    scenarios: Object.fromEntries(
      Object.entries(results).map(([name, rs]) => {
        const ok = rs.filter((r) => !r.error);
        return [name, { runs: rs.length, failed: rs.length - ok.length, failoverMs: ok[0]?.failoverMs === undefined ? undefined : summarize(ok.map((r) => r.failoverMs)), longestGapMs: summarize(ok.map((r) => r.longestGapMs)), unavailableMs: summarize(ok.map((r) => r.unavailableMs)), dualWritableMs: ok.reduce((m, r) => Math.max(m, r.dualWritableMs), 0), errors: rs.filter((r) => r.error).map((r) => r.error), results: rs }];
      }),
    ),
  };
  const text = [
    '| scenario | ok | fault -> first acked write on the new leader, ms (p50 / p99 / max) | longest write gap, ms | write unavailability (gaps > 100 ms), ms | max dual-writable ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...Object.entries(doc.scenarios).map(([name, s]) => `| ${name} | ${s.runs - s.failed}/${s.runs} | ${fmt(s.failoverMs)} | ${fmt(s.longestGapMs)} | ${fmt(s.unavailableMs)} | ${s.dualWritableMs} |`),
    '',
    `Agents: RSS idle ${doc.agents.idleRssMiB.join(' / ')} MiB, after the runs ${doc.agents.endRssMiB.join(' / ')} MiB; idle CPU ${doc.agents.idleCpuPercent.join(' / ')} % of a core; API requests ${doc.agents.apiRequestsPerSecond.join(' / ')} per second each (connections through each pod's path to the API, over ${IDLE_WINDOW_MS / 1000} s idle).`,
    `Writes: ${doc.writes.acked} acknowledged through the leader Service, ${doc.writes.errors} failed attempts, ${doc.writes.lost} acknowledged writes lost; the Service had two ready endpoints ${doc.writes.serviceHadTwoEndpoints} times.`,
    ...Object.entries(doc.scenarios).flatMap(([name, s]) => s.errors.map((e) => `- ${name} failed: ${e}`)),
  ].join('\n');
  if (argv.json) console.log(JSON.stringify(doc, null, 2));
  else console.log(text);
  if (argv.record) {
    appendFileSync('bench/README.md', `\n### kube-failover, ${doc.date}\n\nMachine: ${doc.machine}; load average ${doc.loadAverage.start.join(' ')} at the start, ${doc.loadAverage.end.join(' ')} at the end. The dev overlay on a real control plane with the test node; ${runs} runs of each scenario (rolling-restart ${restartRuns}); write load through the mysql-leader Service's EndpointSlice, 500 ms timeout.\n\n${text}\n`);
  }
} finally {
  await c.stop();
  await stopAll();
}
