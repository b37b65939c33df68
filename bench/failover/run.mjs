#!/usr/bin/env zx
// Failover benchmark: a 3-node cluster of real mariadbd servers and real agents (fake Kubernetes API), a write
// load through the leader label, and repeated faults to the leader. Builds nothing itself (npm run bench:failover does).
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import {
  WritableWatcher,
  WriteLoad,
  assertConverged,
  cpuPercent,
  logTails,
  rssKiB,
  startAgents,
  startFakeKube,
  startServers,
  stopAll,
} from '@mysqlha/testkit';
import { agentSettings, defaultClusterSpec } from '@mysqlha/config';
import { benchArgs } from '../args.mjs';
import { SCENARIOS, recover } from './scenarios.mjs';
import { recordBlock, summarizeScenario, table } from './report.mjs';

const usage = `Usage: npm run bench:failover -- [--runs N] [--scenarios a,b] [--port-base P] [--settings JSON] [--tls on|off] [--json] [--record]

Starts 3 mariadbd servers, the fake Kubernetes API and 3 agents (packages/agent/dist/cli.js) on 127.0.0.1
(ports P..P+30, default 15500), measures each agent's RSS, idle CPU and API requests over 10 s, then runs N times (default 5)
each scenario against the current leader with a write load through the mysqlha.io/role=leader label:
  kill-mysqld  kill -9 of the leader's mariadbd (restarted afterwards)
  kill-pod     kill -9 of the leader's mariadbd and agent: the Lease must expire
  switchover   agent switchover --to <follower> through the leader's admin socket
For each: kill -> first acknowledged write on the new leader, acknowledged writes lost, ms with two writable
servers (and two pods labelled leader), and for switchover the longest gap between acknowledged writes.
Prints p50/p99/max per scenario (--json: a JSON document instead). Writes nothing into the repository unless
--record, which appends the result to bench/README.md. --settings adds agent.yaml keys, e.g. '{"loopIntervalMs":250}'.
--tls on (default, as in a pod): every MySQL connection is verified TLS and plain TCP is refused; off: no
certificate, plain TCP, to measure what TLS costs.
Progress goes to stderr; for JSON alone on stdout: npm run -s bench:failover -- --json`;
const fail = benchArgs(argv, usage, ['runs', 'scenarios', 'port-base', 'settings', 'tls', 'json', 'record']);
const runs = Number(argv.runs ?? 5);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs: expected a whole number >= 1, got ${argv.runs}`);
const portBase = Number(argv['port-base'] ?? 15500);
if (!Number.isInteger(portBase) || portBase < 1024 || portBase + 30 > 32767) fail(`--port-base: expected a port with P+30 below 32768, got ${argv['port-base']}`);
const names = String(argv.scenarios ?? Object.keys(SCENARIOS).join(',')).split(',').filter(Boolean);
for (const name of names) if (!SCENARIOS[name]) fail(`--scenarios: unknown scenario ${name}; expected some of ${Object.keys(SCENARIOS).join(', ')}`);
const tls = String(argv.tls ?? 'on');
if (tls !== 'on' && tls !== 'off') fail(`--tls: expected on or off, got ${argv.tls}`);
let extraSettings = {};
if (argv.settings) {
  try {
    extraSettings = JSON.parse(argv.settings);
  } catch (error) {
    fail(`--settings: expected a JSON object of agent.yaml keys, got ${argv.settings} (${error.message})`);
  }
}
const WRITE_TIMEOUT_MS = 500;
const IDLE_WINDOW_MS = 10_000;
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
const toMiB = (kib) => Number((kib / 1024).toFixed(1));

process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));

const c = { lostIds: new Set() };
// Everything else running on the machine competes with the agents and servers: say how busy it was.
const loadAtStart = loadavg().map((v) => Number(v.toFixed(2)));
try {
  log('starting 3 servers, the fake API and 3 agents');
  c.servers = await startServers({ count: 3, portBase, tls: tls === 'on' });
  c.kube = await startFakeKube({ port: portBase + 30, namespace: 'mysqlha', pods: c.servers.map((s) => s.name) });
  c.agents = await startAgents({ servers: c.servers, kube: c.kube, settings: extraSettings });
  await recover(c);
  log(`leader ${c.kube.leader()}; measuring agent CPU over ${IDLE_WINDOW_MS / 1000} s with no writes`);
  const idleRss = c.agents.map((a) => rssKiB(a.pid));
  const requestsBefore = c.agents.map((a) => c.kube.requestCounts.get(a.name) ?? 0);
  const idleCpu = await cpuPercent(c.agents.map((a) => a.pid), IDLE_WINDOW_MS);
  const apiRequestsPerSecond = c.agents.map((a, i) => ((c.kube.requestCounts.get(a.name) ?? 0) - requestsBefore[i]) / (IDLE_WINDOW_MS / 1000));

  c.watcher = new WritableWatcher(c.servers, { intervalMs: 20 }).start();
  c.load = new WriteLoad({ kube: c.kube, servers: c.servers, timeoutMs: WRITE_TIMEOUT_MS }).start();
  const results = Object.fromEntries(names.map((name) => [name, []]));
  const converged = [];
  for (let run = 1; run <= runs; run++) {
    for (const name of names) {
      try {
        const result = await SCENARIOS[name](c);
        results[name].push(result);
        log(`run ${run}/${runs} ${name}: ${result.from} -> ${result.to} in ${result.failoverMs} ms, lost ${result.lostAckedWrites}, dual-writable ${result.dualWritableMs} ms${result.writeGapMs !== undefined ? `, write gap ${result.writeGapMs} ms` : ''}`);
      } catch (error) {
        results[name].push({ error: error.message });
        log(`run ${run}/${runs} ${name} FAILED: ${error.message}\n${logTails({ agents: c.agents, servers: c.servers }, 30)}`);
        await recover(c);
      }
    }
    await c.load.stop();
    try {
      await assertConverged(c.servers, c.load, { timeoutMs: 30_000 });
      converged.push({ run, ok: true });
    } catch (error) {
      converged.push({ run, ok: false, message: error.message });
      log(`run ${run}: not converged: ${error.message}`);
    }
    c.load.start();
  }
  await c.load.stop();
  await c.watcher.stop();

  const doc = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loadAverage: { start: loadAtStart, end: loadavg().map((v) => Number(v.toFixed(2))) },
    runs,
    tls,
    agentSettings: { ...Object.fromEntries(['loopIntervalMs', 'leaseDurationMs', 'renewDeadlineMs', 'failoverPolicy'].map((k) => [k, agentSettings(defaultClusterSpec())[k]])), ...extraSettings },
    writeTimeoutMs: WRITE_TIMEOUT_MS,
    scenarios: Object.fromEntries(names.map((name) => [name, { ...summarizeScenario(results[name]), results: results[name] }])),
    agents: {
      idleWindowSeconds: IDLE_WINDOW_MS / 1000,
      idleCpuPercent: idleCpu.map((v) => Number(v.toFixed(3))),
      idleRssMiB: idleRss.map(toMiB),
      idleApiRequestsPerSecond: apiRequestsPerSecond.map((v) => Number(v.toFixed(2))),
      endRssMiB: c.agents.map((a) => toMiB(rssKiB(a.pid))),
    },
    writes: { acked: c.load.acked.length, errors: c.load.errors },
    converged,
  };
  if (argv.json) console.log(JSON.stringify(doc, null, 2));
  else console.log(table(doc));
  if (argv.record) appendFileSync('bench/README.md', recordBlock(doc));
} finally {
  await stopAll();
}
