import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { trackTempDir } from '../process/registry.js';
import type { InputSeries } from './recorder.js';

const exec = promisify(execFile);

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** The rule groups of a prometheus-operator PrometheusRule file, as a Prometheus rules file holds them. */
export function readPrometheusRule(path: string): RuleGroup[] {
  const object = parse(readFileSync(path, 'utf8')) as { kind?: string; spec?: { groups?: RuleGroup[] } };
  if (object.kind !== 'PrometheusRule' || !Array.isArray(object.spec?.groups)) throw new Error(`${path}: expected a PrometheusRule with spec.groups`);
  return object.spec.groups;
}

/** Metric names the expressions read with a selector (`name{...}`, as every rule here does), for choosing what to record. */
export function metricNames(groups: readonly RuleGroup[]): Set<string> {
  const names = new Set<string>();
  for (const rule of groups.flatMap((g) => g.rules)) for (const m of rule.expr.matchAll(/\b([a-z_][a-z0-9_]*)\{/g)) names.add(m[1]!);
  return names;
}

/** One firing alert a test expects: the labels of the series that fired; the rule's labels and annotations are added. */
export interface ExpectedAlert {
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertCheck {
  /** In intervals of the input series. */
  readonly atRound: number;
  /** Every alert of the rules, with the alerts expected to fire for it then (none for the others). */
  readonly firing: Readonly<Record<string, readonly ExpectedAlert[]>>;
}

function render(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, key: string) => labels[key] ?? '');
}

/**
 * Runs `promtool test rules` over the rules with the recorded series and the checks, each alert of the rules
 * checked at each round (an alert not listed in a check is expected silent then). Returns promtool's output;
 * throws with it when a check fails.
 */
export async function promtoolTest(groups: readonly RuleGroup[], series: readonly InputSeries[], checks: readonly AlertCheck[], intervalMs: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mysqlha-promtool-'));
  trackTempDir(dir);
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  const rules = groups.flatMap((g) => g.rules);
  const test = {
    rule_files: ['rules.yaml'],
    evaluation_interval: `${intervalMs}ms`,
    tests: [
      {
        interval: `${intervalMs}ms`,
        input_series: series,
        alert_rule_test: checks.flatMap((check) =>
          rules.map((rule) => ({
            eval_time: `${check.atRound * intervalMs}ms`,
            alertname: rule.alert,
            exp_alerts: (check.firing[rule.alert] ?? []).map((alert) => {
              const labels = { ...alert.labels, ...rule.labels };
              return { exp_labels: labels, exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v, labels)])) };
            }),
          })),
        ),
      },
    ],
  };
  const file = join(dir, 'test.yaml');
  writeFileSync(file, stringify(test, { lineWidth: 0 }));
  try {
    const { stdout, stderr } = await exec('promtool', ['test', 'rules', file], { cwd: dir, maxBuffer: 64 << 20 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool test rules ${file} failed (MYSQLHA_KEEP_TMP=1 keeps it):\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}
