import { describe, expect, it } from 'vitest';
import { errorsOf, validateFixtures, where } from './helpers.js';

describe('kustomization targets (real kubectl kustomize)', () => {
  it('a complete prod render passes every check', async () => {
    const report = await validateFixtures(['good']);
    expect(report.targets).toEqual([{ target: 'good', objects: 11, errors: [], environment: 'prod' }]);
    expect(report.ok).toBe(true);
  });

  it('the same render moved to dev, with local volumes and a generated Secret, passes', async () => {
    const report = await validateFixtures(['dev']);
    expect(report.targets[0]?.errors).toEqual([]);
    expect(report.targets[0]?.environment).toBe('dev');
  });

  it('a render failure is an error for that target carrying kustomize\'s message, and other targets still run', async () => {
    const report = await validateFixtures(['broken-render', 'good']);
    const [broken, good] = report.targets;
    expect(broken?.errors).toHaveLength(1);
    expect(broken?.errors[0]?.rule).toBe('render');
    expect(broken?.errors[0]?.message).toContain('missing.yaml');
    expect(good?.errors).toEqual([]);
    expect(report.ok).toBe(false);
  });

  it('takes the environment from an overlays/<env> path when the objects carry no annotation', async () => {
    const report = await validateFixtures(['overlays/prod']);
    expect(report.targets[0]?.environment).toBe('prod');
    expect(where(report.targets[0]?.errors ?? [])).toEqual([
      'image-digest StatefulSet/db spec.template.spec.initContainers[0].image',
      'image-digest StatefulSet/db spec.template.spec.containers[0].image',
    ]);
  });

  it('objects that disagree on their environment are an error', async () => {
    expect(where(await errorsOf('environment-conflict.yaml'))).toEqual([
      'environment ConfigMap/b metadata.annotations["mysqlha.io/environment"]',
    ]);
  });

  it('an environment other than dev, staging or prod is an error: it would switch off the prod and dev rules', async () => {
    const errors = await errorsOf('environment-typo.yaml');
    expect(where(errors)).toEqual(['environment ConfigMap/settings metadata.annotations["mysqlha.io/environment"]']);
    expect(errors[0]?.message).toBe('"prd" is not one of dev, staging, prod');
  });

  it('a YAML syntax error is an error for that file, naming the document', async () => {
    const [error, ...rest] = await errorsOf('yaml/broken.yaml');
    expect(rest).toEqual([]);
    expect(error?.rule).toBe('yaml');
    expect(error?.message).toMatch(/^document 1: .* at line 5/);
  });

  it('a directory without a kustomization, and a missing path, are errors for that target', async () => {
    const report = await validateFixtures(['bases', 'nope.yaml']);
    expect(report.targets.map((target) => target.errors.map((error) => error.rule))).toEqual([['target'], ['target']]);
  });
});
