#!/usr/bin/env node
import { CLONE_HELP, clone } from './commands/clone.js';
import { INIT_HELP, init } from './commands/init.js';
import { RUN_HELP, run } from './commands/run.js';
import { STATUS_HELP, status } from './commands/status.js';
import { SWITCHOVER_HELP, switchover } from './commands/switchover.js';
import { SettingsError } from './settings/settings.js';

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => Promise<number>; summary: string }> = {
  init: { help: INIT_HELP, run: init, summary: 'write the server config and bootstrap an empty datadir' },
  clone: { help: CLONE_HELP, run: clone, summary: 'fill an empty datadir from a peer' },
  run: { help: RUN_HELP, run, summary: 'run the HA loop and the HTTP endpoints' },
  status: { help: STATUS_HELP, run: status, summary: "print the local agent's status" },
  switchover: { help: SWITCHOVER_HELP, run: switchover, summary: 'hand the leader role to a follower' },
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
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
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
