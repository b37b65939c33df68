import { allTools } from '@mysqlha/kube-tools';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../src/index.js';
import { validateFixtures } from './helpers.js';

/**
 * Where the three stages differ, which one is right. The corpus test holds them to one verdict everywhere else.
 */
describe.runIf(allTools().ok)('where the stages disagree', () => {
  let report: Report;
  beforeAll(async () => {
    report = await validateFixtures(['disagree/newer-field.yaml', 'disagree/cross-field.yaml'], { stages: ['embedded', 'kubeconform', 'server'] });
  }, 120_000);
  const schemaErrors = (file: string): Finding[] => (report.targets.find((target) => target.target === file)?.errors ?? []).filter((error) => error.stages !== undefined && error.rule !== 'server/pod-security');

  it('a field newer than Kubernetes 1.33: the server and kubeconform (1.35) are right to accept it; the embedded models are 1.33', () => {
    // kubernetes-models 4.5 is the last release that runs on Node 20; the embedded stage errs on the safe side.
    const errors = schemaErrors('disagree/newer-field.yaml');
    expect(errors.map((error) => `${error.path} ${error.stages?.join(',')}`)).toEqual(['spec.hostnameOverride embedded']);
    expect(errors[0]?.message).toContain('a later release added it');
  });

  it('a rule between two fields: only the server knows it, and it is right', () => {
    // JSON schemas check each field alone; "restartPolicyRules needs restartPolicy" lives in the server's validation.
    const errors = schemaErrors('disagree/cross-field.yaml').filter((error) => !error.stages?.includes('embedded'));
    expect(errors.map((error) => `${error.path} ${error.stages?.join(',')}`)).toEqual(['spec.containers[0].restartPolicy server']);
    expect(errors[0]?.message).toContain('must specify restartPolicy when restart rules are used');
  });
});
