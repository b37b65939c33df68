import type { Finding, Report } from './types.js';

export function formatFinding(target: string, error: Finding): string {
  const parts = [target];
  if (error.kind !== undefined) parts.push(`${error.kind}/${error.name ?? '<no name>'}`);
  if (error.path !== undefined && error.path !== '') parts.push(error.path);
  return `${parts.join(': ')}: ${error.message} [${error.rule}]`;
}

/** One line per target, one line per error, and a summary line. */
export function formatReport(report: Report): string {
  const lines: string[] = [];
  for (const result of report.targets) {
    const verdict = result.errors.length === 0 ? 'OK' : `${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`;
    lines.push(`${result.target}: ${result.objects} objects, ${verdict}`);
    for (const error of result.errors) lines.push(formatFinding(result.target, error));
    for (const note of result.notes ?? []) lines.push(`note: ${formatFinding(result.target, note)}`);
  }
  const targets = `${report.targets.length} target${report.targets.length === 1 ? '' : 's'}`;
  const verdict = report.ok ? 'OK' : `${report.errors} error${report.errors === 1 ? '' : 's'}`;
  lines.push(`${targets}, ${report.objects} objects, ${verdict} (stages: ${report.stages.join(', ')})`);
  return `${lines.join('\n')}\n`;
}

export function formatReportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
