import { loadSettings, parseFlags } from '../settings/settings.js';
import { adminCall } from './admin-client.js';

export const STATUS_HELP = `agent status [--json] [--config FILE] [--run-dir DIR]

Prints the local agent's status (role, lease holder, GTID positions, replication, last decision),
read from its admin socket runDir/agent.sock.`;

export async function status(argv: string[]): Promise<number> {
  const s = loadSettings({ argv });
  const { code, body } = await adminCall(s.runDir, 'GET', '/status', 5000);
  if (parseFlags(argv).flags.has('--json') || typeof body !== 'object' || body === null) {
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  } else {
    const b = body as Record<string, any>;
    const lines = [
      `pod:          ${b.pod}`,
      `role:         ${b.role}`,
      `lease holder: ${b.leaseHolder || '(none)'}${b.leaseReadable ? '' : ' (API unreachable)'}`,
      `mysqld:       ${b.mysql.up ? `up, ${b.mysql.readOnly ? 'read-only' : 'writable'}` : `down: ${b.mysql.error}`}`,
      `gtid:         binlog ${b.mysql.binlogPos || '-'}, received ${b.mysql.receivedPos || '-'}`,
      `replication:  ${b.replication ? `from ${b.replication.source}, io ${b.replication.ioRunning}, sql ${b.replication.sqlRunning}, lag ${b.lagSeconds ?? '-'} s` : 'none'}`,
      `decision:     ${b.decision} (since ${b.decisionSince})`,
    ];
    if (b.waitingFor?.length) lines.push(`waiting for:  ${b.waitingFor.join(', ')}`);
    if (b.diverged) lines.push(`diverged:     ${b.diverged}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return code === 200 ? 0 : 1;
}
