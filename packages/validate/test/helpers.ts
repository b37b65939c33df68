import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateTargets, type Finding, type Report, type ValidateOptions } from '../src/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function validateFixtures(paths: string[], options: ValidateOptions = {}): Promise<Report> {
  return validateTargets(paths, { cwd: FIXTURES, stages: ['embedded'], ...options });
}

export async function errorsOf(path: string, options: ValidateOptions = {}): Promise<Finding[]> {
  const report = await validateFixtures([path], options);
  return report.targets.flatMap((target) => target.errors);
}

/** The error a user would read for one field, reduced to what identifies it. */
export function where(errors: readonly Finding[], rule?: string): string[] {
  return errors.filter((error) => rule === undefined || error.rule === rule || error.rule.startsWith(`${rule}/`)).map((error) => `${error.rule} ${error.kind}/${error.name} ${error.path}`);
}
