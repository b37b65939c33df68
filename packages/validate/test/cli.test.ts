import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, type Report } from '../src/index.js';
import { FIXTURES } from './helpers.js';

function capture(): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  return { stdout: () => out, stderr: () => err };
}

describe('npm run validate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a line per target, a line per error naming target, object, field and rule, and a summary; exits 1', async () => {
    const io = capture();
    const status = await main(['good', 'schema/wrong-type.yaml'], FIXTURES);
    expect(status).toBe(1);
    const lines = io.stdout().trimEnd().split('\n');
    expect(lines[0]).toBe('good: 11 objects, OK');
    expect(lines[1]).toBe('schema/wrong-type.yaml: 1 objects, 1 error');
    expect(lines).toContain('schema/wrong-type.yaml: Service/wrong-type: spec.ports[0].port: must be an integer, got string "3306" [schema/type]');
    expect(lines.at(-1)).toMatch(/^2 targets, 12 objects, 1 error \(stages: embedded(, kubeconform, server)?\)$/);
    expect(io.stderr()).toContain('validating good');
  });

  it('exits 0 when every target is valid', async () => {
    capture();
    expect(await main(['good'], FIXTURES)).toBe(0);
  });

  it('--json prints the same report as one JSON document', async () => {
    const io = capture();
    const status = await main(['--json', '--stages', 'embedded', 'schema/missing-required.yaml'], FIXTURES);
    const report = JSON.parse(io.stdout()) as Report;
    expect(status).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.targets[0]?.target).toBe('schema/missing-required.yaml');
    expect(report.targets[0]?.errors).toContainEqual({
      rule: 'schema/required',
      kind: 'Service',
      name: 'no-port',
      path: 'spec.ports[0].port',
      message: 'required field is missing',
      stages: ['embedded'],
    });
  });

  it('--help explains the command; an unknown flag is a usage error', async () => {
    const io = capture();
    expect(await main(['--help'], FIXTURES)).toBe(0);
    expect(io.stdout()).toContain('Usage: npm run validate');
    expect(await main(['--jsn'], FIXTURES)).toBe(2);
    expect(io.stderr()).toContain("Unknown option '--jsn'");
    expect(await main(['--stages', 'embeded', 'good'], FIXTURES)).toBe(2);
    expect(io.stderr()).toContain('--stages: expected a comma-separated list of embedded, kubeconform, server, got "embeded"');
  });
});
