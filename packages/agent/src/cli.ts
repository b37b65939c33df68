#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { flagName, SettingsError, SETTING_KEYS } from './settings/settings.js';

interface Command {
  help: string;
  run: (argv: string[]) => Promise<number>;
}

/** Flags of one command besides the settings every command takes: `value` takes an argument. */
type CommandFlags = Record<string, 'value' | 'boolean'>;

/** Flags every command takes: each agent.yaml setting (`--http-port`), the file, the pod's identity. */
const COMMON_FLAGS: CommandFlags = Object.fromEntries([...SETTING_KEYS.map((key) => flagName(key)), '--config', '--pod-name', '--namespace'].map((flag) => [flag, 'value']));

/**
 * Refuses what a command does not take, before it runs: a misspelt flag (`--too`), a bare argument
 * (`switchover mysql-1`), a value missing or given to a switch. Returns the message, or null when the line is good.
 */
function checkCommandLine(name: string, argv: readonly string[], own: CommandFlags): string | null {
  const all = { ...COMMON_FLAGS, ...own };
  const options: ParseArgsConfig['options'] = Object.fromEntries(Object.entries(all).map(([flag, kind]) => [flag.slice(2), { type: kind === 'value' ? 'string' : 'boolean' }]));
  try {
    parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return null;
  } catch (error) {
    const expected = Object.entries(own).map(([flag, kind]) => (kind === 'value' ? `${flag} VALUE` : flag));
    return `agent ${name}: ${(error as Error).message}; expected ${expected.length > 0 ? `${expected.join(', ')} or ` : ''}a setting flag such as --config FILE (agent ${name} --help)`;
  }
}

// Each command is loaded only when it runs: `status` and `switchover` (the preStop hook's path) speak only to
// the admin socket and must start in a fraction of a second, without the Kubernetes client that run, init and
// clone load.
const COMMANDS: Record<string, { summary: string; flags: CommandFlags; load: () => Promise<Command> }> = {
  init: {
    summary: 'write the server config and bootstrap an empty datadir',
    flags: { '--template': 'value' },
    load: () => import('./commands/init.js').then((m) => ({ help: m.INIT_HELP, run: m.init })),
  },
  clone: {
    summary: 'fill an empty datadir from a peer',
    flags: {},
    load: () => import('./commands/clone.js').then((m) => ({ help: m.CLONE_HELP, run: m.clone })),
  },
  run: {
    summary: 'run the HA loop and the HTTP endpoints',
    flags: {},
    load: () => import('./commands/run.js').then((m) => ({ help: m.RUN_HELP, run: m.run })),
  },
  status: {
    summary: "print the local agent's status",
    flags: { '--json': 'boolean' },
    load: () => import('./commands/status.js').then((m) => ({ help: m.STATUS_HELP, run: m.status })),
  },
  switchover: {
    summary: 'hand the leader role to a follower',
    flags: { '--to': 'value', '--if-leader': 'boolean' },
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
  const bad = checkCommandLine(name, rest, entry.flags);
  if (bad) {
    process.stderr.write(`${bad}\n`);
    return 2;
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
