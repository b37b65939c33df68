import { parseArgs } from 'node:util';
import { clusterNames, defaultClusterSpec } from '@mysqlha/config';
import { Api, CliError } from './api.js';
import type { AgentRoute, Target } from './cluster.js';
import { clusterView, formatView } from './status.js';
import { switchover } from './switchover.js';

const DEFAULT_CLUSTER = defaultClusterSpec().name;

const USAGE = `Usage: mysqlha COMMAND [flags]     (also: kubectl mysqlha COMMAND [flags])

Commands:
  status                 the cluster at a glance: per pod its role label, readiness, the Lease holder, GTID
                         position, lag, read-only and its agent's last decision
  switchover [--to POD]  a planned switchover of the leader to POD (default: the most advanced follower),
                         waited for; the old leader stays the leader when anything fails

Flags:
  -n, --namespace NS     the cluster's namespace (default: the kubeconfig context's, else mysqlha)
      --cluster NAME     the ClusterSpec name: StatefulSet NAME, Lease NAME-leader (default: ${DEFAULT_CLUSTER})
      --kubeconfig FILE  default: KUBECONFIG, ~/.kube/config, or the in-cluster service account
      --context NAME     a context of the kubeconfig
      --agents ROUTE     proxy (default): reach each pod's agent through the API server's pod proxy;
                         direct: at the pod IP, from inside the cluster network
      --json             print JSON instead of a table
      --timeout SECONDS  switchover: how long to wait (default 60)
      --secret NAME      switchover: the credentials Secret, if the ClusterSpec renamed it (default: NAME-credentials)
  -h, --help             this text

Needs: list pods, get leases; get on pods/proxy (status) and create on pods/proxy plus get on the credentials
Secret (switchover, which is signed with the cluster key).`;

const OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  cluster: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  agents: { type: 'string' },
  json: { type: 'boolean' },
  to: { type: 'string' },
  timeout: { type: 'string' },
  secret: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function namespaceOf(api: Api, flag: string | undefined): string {
  return flag ?? api.contextNamespace() ?? 'mysqlha';
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STDIO: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Runs one command line; returns the exit code (0 done, 1 refused or failed, 2 a bad command line). */
export async function main(argv: readonly string[], { out, err }: Io = STDIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    err(`mysqlha: ${(error as Error).message} (mysqlha --help)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(`${USAGE}\n`);
    return values.help || command === 'help' ? 0 : 2;
  }
  const usage = (message: string) => {
    err(`mysqlha: ${message} (mysqlha --help)\n`);
    return 2;
  };
  if (command !== 'status' && command !== 'switchover') return usage(`unknown command "${command}": expected status or switchover`);
  if (extra.length > 0) return usage(`${command} takes no argument "${extra[0]}"${command === 'switchover' ? '; name the target with --to POD' : ''}`);
  if (values.to !== undefined && command !== 'switchover') return usage('--to is a flag of switchover');
  if (values.timeout !== undefined && command !== 'switchover') return usage('--timeout is a flag of switchover');
  if (values.secret !== undefined && command !== 'switchover') return usage('--secret is a flag of switchover');
  const agents = (values.agents ?? 'proxy') as AgentRoute;
  if (agents !== 'proxy' && agents !== 'direct') return usage(`--agents must be proxy or direct, got "${values.agents}"`);
  const timeoutS = Number(values.timeout ?? '60');
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) return usage(`--timeout must be a number of seconds above 0, got "${values.timeout}"`);
  try {
    const api = Api.load({ kubeconfig: values.kubeconfig, context: values.context });
    const target: Target = { namespace: namespaceOf(api, values.namespace), cluster: values.cluster ?? DEFAULT_CLUSTER, agents };
    if (command === 'status') {
      const view = await clusterView(api, target);
      out(values.json ? `${JSON.stringify(view, null, 2)}\n` : formatView(view));
      return 0;
    }
    const secret = values.secret ?? clusterNames(defaultClusterSpec(target.cluster)).secret;
    const result = await switchover(api, target, secret, values.to, timeoutS * 1000);
    out(values.json ? `${JSON.stringify(result, null, 2)}\n` : `switched over from ${result.from} to ${result.to}; writes paused ${result.readOnlyMs} ms\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    if (values.json) out(`${JSON.stringify({ error: error.message }, null, 2)}\n`);
    err(`mysqlha ${command}: ${error.message}\n`);
    return 1;
  }
}

/** Runs one command line and returns what it printed, as a caller embedding the command (or a test) reads it. */
export async function runCaptured(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}
