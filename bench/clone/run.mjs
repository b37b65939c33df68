#!/usr/bin/env zx
// Clone throughput against a plain file copy: the agent's clone path (mariabackup --backup
// --stream=xbstream -> the donor's socket -> mbstream -x, then --prepare) from a live server, against
// `tar | tar` of the same datadir once the server is stopped. Also reports both image sizes.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { benchArgs } from '../args.mjs';

const usage = `Usage: npm run bench:clone -- [--gib N] [--runs N] [--json] [--record]

Fills a mariadbd (loopback port 16301) with about N GiB of InnoDB data (default 1), clones it
with the agent's donor and receiver over HTTPS, verified (port 16303, as in a pod), and over plain
HTTP (port 16302, the raw upgraded connection), pipes mariabackup into mbstream directly (the
same tools without the HTTP hop), then copies the stopped datadir with
\`tar -cf - | tar -xf -\`, and prints both throughputs (goal: clone >= 0.9x tar) and the image
sizes recorded in images.lock.json by \`npm run images:build\`. Each copy runs --runs times
(default 3) and the medians count. --record appends the result to bench/README.md. Data lives under a temporary directory that is removed at the end.`;
const fail = benchArgs(argv, usage, ['gib', 'runs', 'json', 'record']);
const gib = Number(argv.gib ?? 1);
if (!(gib > 0)) fail(`--gib: expected a positive number, got ${argv.gib}`);
const runs = Number(argv.runs ?? 3);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs: expected a whole number >= 1, got ${argv.runs}`);
$.verbose = false;

const root = resolve('.');
const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
const { startCloneDonor } = await import(pathToFileURL(join(root, 'packages/agent/dist/clone/index.js')).href);
const { makeMysqlTls } = await import(pathToFileURL(join(root, 'packages/kube-tools/dist/index.js')).href);
const SERVER_PORT = 16301;
const DONOR_PORT = 16302;
const TLS_DONOR_PORT = 16303;
const dir = await mkdtemp(join(tmpdir(), 'mysqlha-bench-clone-'));
const dataDir = join(dir, 'source', 'data');
const socket = join(dir, 'source', 'mysqld.sock');
const cnf = join(dir, 'source', 'my.cnf');
const log = (line) => process.stderr.write(`${line}\n`);
let server;
let donor;
let tlsDonor;

async function du(path) {
  return Number((await $`du -sb ${path}`).stdout.split(/\s/)[0]);
}
async function sql(statement) {
  return (await $`mariadb --socket=${socket} -uroot --batch --skip-column-names -e ${statement}`).stdout.trim();
}

try {
  await $`mkdir -p ${join(dir, 'source', 'tmp')} ${join(dir, 'secrets')}`;
  writeFileSync(
    cnf,
    [
      '[mysqld]', 'user = root', `datadir = ${dataDir}`, `socket = ${socket}`, `port = ${SERVER_PORT}`,
      'bind-address = 127.0.0.1', `tmpdir = ${join(dir, 'source', 'tmp')}`, `pid-file = ${join(dir, 'source', 'mysqld.pid')}`, `log-error = ${join(dir, 'source', 'error.log')}`,
      'server_id = 1', 'log_bin = mysql-bin', 'gtid_strict_mode = ON', 'innodb_buffer_pool_size = 1G',
      'innodb_log_file_size = 256M', 'innodb_flush_log_at_trx_commit = 2', '',
    ].join('\n'),
  );
  await $`mariadb-install-db --defaults-file=${cnf} --skip-test-db --auth-root-authentication-method=normal`;
  server = $`mariadbd --defaults-file=${cnf}`.nothrow().quiet();
  for (let i = 0; ; i++) {
    if ((await $`mariadb-admin --socket=${socket} ping`.nothrow().quiet()).exitCode === 0) break;
    if (i > 200) throw new Error('mariadbd did not start');
    await sleep(100);
  }

  const generateStart = performance.now();
  // 1 KiB rows doubled until the table passes the target; kept out of the binlog, which a clone does not copy.
  await sql(`SET SESSION sql_log_bin = 0; CREATE DATABASE bench; CREATE TABLE bench.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000) NOT NULL) ENGINE=InnoDB;
    INSERT INTO bench.t (pad) SELECT REPEAT(CHAR(65 + seq % 26), 1000) FROM bench.seq_1_to_16384;`);
  while ((await du(join(dataDir, 'bench'))) < gib * 2 ** 30) {
    await sql('SET SESSION sql_log_bin = 0; INSERT INTO bench.t (pad) SELECT pad FROM bench.t');
  }
  // One binlogged write, so the copy has a GTID position to start from.
  await sql('CREATE TABLE bench.marker (id INT PRIMARY KEY); INSERT INTO bench.marker VALUES (1)');
  log(`generated ${(await du(dataDir) / 2 ** 30).toFixed(2)} GiB in ${((performance.now() - generateStart) / 1000).toFixed(0)} s`);

  writeFileSync(join(dir, 'secrets', 'clone-token'), 'bench-token', { mode: 0o600 });
  donor = await startCloneDonor({
    host: '127.0.0.1', port: DONOR_PORT, tokenFile: join(dir, 'secrets', 'clone-token'),
    mysql: { socket, user: 'root' }, serverDefaultsFile: cnf, dataDir, mayDonate: () => true,
    logger: { info: () => undefined, warn: log, error: log },
  });
  // As in a pod: the cluster's certificate, which the receiver verifies against the CA and the donor's name.
  const tls = await makeMysqlTls(join(dir, 'tls'), { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
  tlsDonor = await startCloneDonor({
    host: '127.0.0.1', port: TLS_DONOR_PORT, tokenFile: join(dir, 'secrets', 'clone-token'), tls: { certFile: tls.cert, keyFile: tls.key },
    mysql: { socket, user: 'root' }, serverDefaultsFile: cnf, dataDir, mayDonate: () => true,
    logger: { info: () => undefined, warn: log, error: log },
  });
  // The receiver runs in its own process, as `agent clone` does in its init container.
  const receiver = `
    import { runClone } from ${JSON.stringify(pathToFileURL(join(root, 'packages/agent/dist/clone/index.js')).href)};
    const [dataDir, tokenFile, url, caFile] = process.argv.slice(1);
    const started = performance.now();
    let streamSeconds;
    const result = await runClone({
      dataDir, tokenFile, attempts: 1, ...(caFile ? { caFile } : {}),
      candidates: () => [{ name: 'bench-source', url, role: 'leader', healthy: true }],
      logger: { info: () => undefined, warn: console.error, error: console.error },
      onProgress: (p) => { if (p.state === 'preparing') streamSeconds ??= (performance.now() - started) / 1000; },
    });
    console.log(JSON.stringify({ ...result, streamSeconds, totalSeconds: (performance.now() - started) / 1000 }));`;
  const clones = [];
  const tlsClones = [];
  for (let run = 0; run < runs; run++) {
    for (const [list, url, ca, what] of [[clones, `http://127.0.0.1:${DONOR_PORT}`, '', 'plain'], [tlsClones, `https://127.0.0.1:${TLS_DONOR_PORT}`, tls.ca, 'https']]) {
      const target = join(dir, `clone-${run}`, 'data');
      const { stdout } = await $`node --input-type=module -e ${receiver} ${target} ${join(dir, 'secrets', 'clone-token')} ${url} ${ca}`;
      list.push(JSON.parse(stdout.trim().split('\n').at(-1)));
      await rm(join(dir, `clone-${run}`), { recursive: true, force: true });
      log(`clone ${what} ${run + 1}/${runs}: stream ${list.at(-1).streamSeconds.toFixed(2)} s, with prepare ${list.at(-1).totalSeconds.toFixed(2)} s`);
    }
  }
  await donor.close();
  donor = undefined;
  await tlsDonor.close();
  tlsDonor = undefined;

  // The same tools piped directly, without the HTTP hop: what the clone could reach at best.
  const credentials = join(dir, 'secrets', 'client.cnf');
  writeFileSync(credentials, `!include ${cnf}\n[mariabackup]\nuser = root\nsocket = ${socket}\n`, { mode: 0o600 });
  const pipes = [];
  for (let run = 0; run < runs; run++) {
    await $`rm -rf ${join(dir, 'pipe')} ${join(dir, 'pipe-tmp')} && mkdir -p ${join(dir, 'pipe')} ${join(dir, 'pipe-tmp')}`;
    const pipeStart = performance.now();
    await $`mariabackup --defaults-extra-file=${credentials} --backup --stream=xbstream --target-dir=${join(dir, 'pipe-tmp')} --parallel=2 2>/dev/null | mbstream -x -C ${join(dir, 'pipe')}`;
    pipes.push((performance.now() - pipeStart) / 1000);
    log(`mariabackup | mbstream ${run + 1}/${runs}: ${pipes.at(-1).toFixed(2)} s`);
  }
  await $`rm -rf ${join(dir, 'pipe')} ${join(dir, 'pipe-tmp')}`;

  await $`mariadb-admin --socket=${socket} shutdown`;
  await server;
  server = undefined;
  const sourceBytes = await du(dataDir);
  const tars = [];
  for (let run = 0; run < runs; run++) {
    await $`rm -rf ${join(dir, 'tar')} && mkdir -p ${join(dir, 'tar')}`;
    const tarStart = performance.now();
    await $`tar -C ${dataDir} -cf - . | tar -C ${join(dir, 'tar')} -xf -`;
    tars.push((performance.now() - tarStart) / 1000);
    log(`tar ${run + 1}/${runs}: ${tars.at(-1).toFixed(2)} s`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const streamSeconds = median(clones.map((c) => c.streamSeconds));
  const cloneSeconds = median(clones.map((c) => c.totalSeconds));
  const tlsStreamSeconds = median(tlsClones.map((c) => c.streamSeconds));
  const tlsCloneSeconds = median(tlsClones.map((c) => c.totalSeconds));
  const tarSeconds = median(tars);
  const pipeSeconds = median(pipes);
  const result = { bytes: median(clones.map((c) => c.bytes)) };

  const mb = (bytes, seconds) => Number((bytes / 1e6 / seconds).toFixed(1));
  const lockFile = join(root, 'images.lock.json');
  const images = existsSync(lockFile) ? JSON.parse(readFileSync(lockFile, 'utf8')).images : undefined;
  const out = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    datadirBytes: sourceBytes,
    streamedBytes: result.bytes,
    cloneStreamSeconds: Number(streamSeconds.toFixed(2)),
    cloneTotalSeconds: Number(cloneSeconds.toFixed(2)),
    cloneStreamMBps: mb(result.bytes, streamSeconds),
    cloneTotalMBps: mb(result.bytes, cloneSeconds),
    httpsStreamSeconds: Number(tlsStreamSeconds.toFixed(2)),
    httpsTotalSeconds: Number(tlsCloneSeconds.toFixed(2)),
    httpsStreamMBps: mb(result.bytes, tlsStreamSeconds),
    httpsTotalMBps: mb(result.bytes, tlsCloneSeconds),
    pipeSeconds: Number(pipeSeconds.toFixed(2)),
    pipeMBps: mb(result.bytes, pipeSeconds),
    tarSeconds: Number(tarSeconds.toFixed(2)),
    tarMBps: mb(sourceBytes, tarSeconds),
    streamRatio: Number((mb(result.bytes, streamSeconds) / mb(sourceBytes, tarSeconds)).toFixed(2)),
    totalRatio: Number((mb(result.bytes, cloneSeconds) / mb(sourceBytes, tarSeconds)).toFixed(2)),
    goal: 0.9,
    imageSizesMB: images ? Object.fromEntries(Object.values(images).map((i) => [i.name, Math.round(i.sizeBytes / 1e6)])) : 'run npm run images:build first',
  };
  if (argv.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`datadir ${(sourceBytes / 2 ** 30).toFixed(2)} GiB, streamed ${(result.bytes / 2 ** 30).toFixed(2)} GiB`);
    console.log(`clone stream, HTTPS:     ${out.httpsStreamSeconds} s, ${out.httpsStreamMBps} MB/s (${(out.httpsStreamMBps / out.tarMBps).toFixed(2)}x tar)`);
    console.log(`clone stream + prepare, HTTPS: ${out.httpsTotalSeconds} s, ${out.httpsTotalMBps} MB/s`);
    console.log(`clone stream, plain:     ${out.cloneStreamSeconds} s, ${out.cloneStreamMBps} MB/s (${out.streamRatio}x tar)`);
    console.log(`clone stream + prepare:  ${out.cloneTotalSeconds} s, ${out.cloneTotalMBps} MB/s (${out.totalRatio}x tar)`);
    console.log(`mariabackup | mbstream: ${out.pipeSeconds} s, ${out.pipeMBps} MB/s (no HTTP hop)`);
    console.log(`tar | tar (stopped):     ${out.tarSeconds} s, ${out.tarMBps} MB/s`);
    console.log(`images: ${JSON.stringify(out.imageSizesMB)}`);
  }
  if (argv.record) {
    const sizes = images ? Object.entries(out.imageSizesMB).map(([name, size]) => `| image \`${name}\` | ${size} MB |`).join('\n') : '| images | not built |';
    appendFileSync(
      'bench/README.md',
      `\n### clone, ${out.date}\n\nMachine: ${out.machine}. Datadir ${(sourceBytes / 2 ** 30).toFixed(2)} GiB, idle donor, receiver in its own process, loopback, median of ${runs} runs; load average at the start ${loadAtStart} (1, 5, 15 min), at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}; this benchmark alone keeps about one core busy, so more than that is other work on the machine.\n\n` +
        `| | seconds | MB/s | vs tar |\n| --- | --- | --- | --- |\n` +
        `| clone stream over HTTPS, donor verified (the default: mariabackup -> Node TLS -> Node -> mbstream) | ${out.httpsStreamSeconds} | ${out.httpsStreamMBps} | ${(out.httpsStreamMBps / out.tarMBps).toFixed(2)}x |\n` +
        `| clone stream + prepare over HTTPS | ${out.httpsTotalSeconds} | ${out.httpsTotalMBps} | ${(out.httpsTotalMBps / out.tarMBps).toFixed(2)}x |\n` +
        `| clone stream over plain HTTP (mariabackup -> upgraded HTTP connection -> mbstream, no byte through Node) | ${out.cloneStreamSeconds} | ${out.cloneStreamMBps} | ${out.streamRatio}x |\n` +
        `| clone stream + prepare over plain HTTP | ${out.cloneTotalSeconds} | ${out.cloneTotalMBps} | ${out.totalRatio}x |\n` +
        `| \`mariabackup \\| mbstream -x\` piped directly (no HTTP hop) | ${out.pipeSeconds} | ${out.pipeMBps} | ${(out.pipeMBps / out.tarMBps).toFixed(2)}x |\n` +
        `| \`tar \\| tar\` of the stopped datadir | ${out.tarSeconds} | ${out.tarMBps} | 1x |\n\n| image | size |\n| --- | --- |\n${sizes}\n`,
    );
  }
} finally {
  await donor?.close();
  await tlsDonor?.close();
  if (server) {
    await $`mariadb-admin --socket=${socket} shutdown`.nothrow();
    await server;
  }
  await rm(dir, { recursive: true, force: true });
}
