#!/usr/bin/env node
import { SettingsError } from './settings/settings.js';

interface Command {
  help: string;
  run: (argv: string[]) => Promise<number>;
}

// Each command is loaded only when it runs: `status` and `switchover` (the preStop hook's path) speak only to
// the admin socket and must start in a fraction of a second, without the Kubernetes client that run, init and
// clone load.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: {
    summary: 'write the server config and bootstrap an empty datadir',
    load: () => import('./commands/init.js').then((m) => ({ help: m.INIT_HELP, run: m.init })),
  },
  clone: {
    summary: 'fill an empty datadir from a peer',
    load: () => import('./commands/clone.js').then((m) => ({ help: m.CLONE_HELP, run: m.clone })),
  },
  run: {
    summary: 'run the HA loop and the HTTP endpoints',
    load: () => import('./commands/run.js').then((m) => ({ help: m.RUN_HELP, run: m.run })),
  },
  status: {
    summary: "print the local agent's status",
    load: () => import('./commands/status.js').then((m) => ({ help: m.STATUS_HELP, run: m.status })),
  },
  switchover: {
    summary: 'hand the leader role to a follower',
    load: () => import('./commands/switchover.js').then((m) => ({ help: m.SWITCHOVER_HELP, run: m.switchover })),
  },
};

const USAGE = `agent <command> [--help]

mysqlha's HA sidecar. Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help + '\n');
    return 0;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof SettingsError ? `bad setting: ${err.message}` : (err as Error).message;
    process.stderr.write(`agent: ${msg}\n`);
    process.exit(1);
  },
);
