import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateFixtures, where } from './helpers.js';

/**
 * kubeconform cannot be installed on this machine, so these tests put a stand-in executable named
 * `kubeconform` on PATH. It records its arguments and stdin, and prints a result in kubeconform's
 * `-output json -summary` format (v0.6: resources with status, msg and validationErrors).
 */
const CANNED = {
  resources: [
    { filename: 'stdin', kind: 'Service', name: 'typo', version: 'v1', status: 'statusInvalid', msg: 'problem validating schema',
      validationErrors: [{ path: '/spec/ports/0', msg: "additionalProperties 'protocl' not allowed" }] },
    { filename: 'stdin', kind: 'Service', name: 'wrong-type', version: 'v1', status: 'statusInvalid', msg: 'problem validating schema',
      validationErrors: [
        { path: '/spec/ports/0/port', msg: 'expected integer, but got string' },
        { path: '/spec/ports/1', msg: "missing properties: 'port'" },
        { path: '/spec/type', msg: "value must be one of 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'" },
        { path: '/spec/ports/2/targetPort', msg: "'x y' is not valid 'int-or-string'" },
      ] },
    { filename: 'stdin', kind: 'Widget', name: 'gadget', version: 'example.com/v1', status: 'statusError', msg: 'could not find schema for Widget' },
    { filename: 'stdin', kind: 'ConfigMap', name: 'old-format', version: 'v1', status: 'statusInvalid', msg: 'For field data.a: Invalid type. Expected: string, given: integer' },
  ],
  summary: { valid: 1, invalid: 3, errors: 1, skipped: 0 },
};

let dir: string;
let savedPath: string | undefined;

function installStandIn(output: string): void {
  writeFileSync(join(dir, 'output.json'), output);
  writeFileSync(
    join(dir, 'kubeconform'),
    `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'args.json'), JSON.stringify(process.argv.slice(2)));
fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'stdin.yaml'), fs.readFileSync(0));
process.stdout.write(fs.readFileSync(path.join(${JSON.stringify(dir)}, 'output.json')));
process.exitCode = 1;
`,
  );
  chmodSync(join(dir, 'kubeconform'), 0o755);
}

describe('kubeconform adapter (stand-in kubeconform executable on PATH)', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconform-'));
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}${delimiter}${savedPath ?? ''}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs kubeconform strictly for Kubernetes 1.33 on the rendered objects instead of the embedded schemas', async () => {
    installStandIn(JSON.stringify({ resources: [], summary: { valid: 11, invalid: 0, errors: 0, skipped: 0 } }));
    const report = await validateFixtures(['good'], { schemaValidator: 'auto' });
    expect(report.schemaValidator).toBe('kubeconform');
    expect(report.ok).toBe(true);
    const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
    expect(args.slice(0, 6)).toEqual(['-strict', '-summary', '-output', 'json', '-kubernetes-version', '1.33.0']);
    expect(args).toContain('-schema-location');
    expect(args.at(-1)).toBe('-');
    const rendered = readFileSync(join(dir, 'stdin.yaml'), 'utf8');
    expect(rendered).toContain('kind: StatefulSet');
    expect(rendered.split(/^---$/m)).toHaveLength(11);
  });

  it('maps each kubeconform result to the same error lines as the embedded validator', async () => {
    installStandIn(JSON.stringify(CANNED, null, 2));
    const report = await validateFixtures(['schema/unknown-field.yaml'], { schemaValidator: 'auto' });
    const errors = report.targets[0]?.errors ?? [];
    expect(where(errors)).toEqual([
      'schema/unknown-field Service/typo spec.ports[0].protocl',
      'schema/type Service/wrong-type spec.ports[0].port',
      'schema/required Service/wrong-type spec.ports[1].port',
      'schema/enum Service/wrong-type spec.type',
      'schema/format Service/wrong-type spec.ports[2].targetPort',
      'schema/unknown-kind Widget/gadget apiVersion',
      'schema/invalid ConfigMap/old-format undefined',
    ]);
    expect(errors[3]?.message).toBe("value must be one of 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'");
  });

  it('passes the schema locations it is given', async () => {
    installStandIn(JSON.stringify({ resources: [], summary: {} }));
    await validateFixtures(['schema/wrong-type.yaml'], { schemaValidator: 'auto', schemaLocations: ['/schemas/{{.ResourceKind}}.json'] });
    const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
    expect(args.slice(6)).toEqual(['-schema-location', '/schemas/{{.ResourceKind}}.json', '-']);
  });

  it('reports output that is not kubeconform JSON as an error instead of passing', async () => {
    installStandIn('panic: something broke');
    const report = await validateFixtures(['schema/wrong-type.yaml'], { schemaValidator: 'auto' });
    expect(report.ok).toBe(false);
    expect(report.targets[0]?.errors.map((error) => error.rule)).toEqual(['kubeconform']);
  });
});
