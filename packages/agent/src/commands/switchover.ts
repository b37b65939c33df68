import { loadSettings, parseFlags } from '../settings/settings.js';
import { adminCall } from './admin-client.js';

export const SWITCHOVER_HELP = `agent switchover [--to POD] [--if-leader] [--config FILE] [--run-dir DIR]

Planned handover, asked of the local agent over runDir/agent.sock: the leader goes read-only, waits
until the target has applied every transaction, and hands the Lease to it. Without --to the most
advanced follower is chosen. --if-leader succeeds at once on a follower (the preStop hook uses it).`;

export async function switchover(argv: string[]): Promise<number> {
  const s = loadSettings({ argv });
  const { flags } = parseFlags(argv);
  const to = flags.get('--to');
  const q = new URLSearchParams();
  if (to) q.set('to', to);
  if (flags.has('--if-leader')) q.set('ifLeader', 'true');
  const { code, body } = await adminCall(s.runDir, 'POST', `/switchover?${q}`, 60_000);
  const b = body as Record<string, unknown>;
  if (code === 200 && b.switched) process.stdout.write(`switched over from ${b.from} to ${b.to} (${b.readOnlyMs} ms read-only)\n`);
  else process.stdout.write(`${b.reason ?? JSON.stringify(body)}\n`);
  return code === 200 ? 0 : 1;
}
