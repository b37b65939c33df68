import { allTools } from '@mysqlha/kube-tools';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report, Stage } from '../src/index.js';
import { validateFixtures } from './helpers.js';

/**
 * Manifests the gate once passed or refused wrongly, each checked offline (the embedded stage alone) and, once
 * `npm run tools` has built them, by every stage: the real kubeconform and the real API server must agree.
 */
const FILES = ['gaps/removed-apis.yaml', 'gaps/external-secret-v1beta1.yaml', 'gaps/flux-stable.yaml', 'gaps/yaml11.yaml', 'gaps/pod-security.yaml', 'gaps/other-crds.yaml'];
const REMOVED = ['Deployment/old-deployment', 'Ingress/old-extensions-ingress', 'PodDisruptionBudget/old-pdb', 'Role/old-role', 'Ingress/old-networking-ingress', 'HorizontalPodAutoscaler/old-hpa'];
const POD_SECURITY = ['nfs-volume', 'selinux-spc', 'apparmor-unconfined', 'proc-unmasked', 'unsafe-sysctl', 'host-process', 'privileged-ephemeral'];

function errorsOf(report: Report, file: string): readonly Finding[] {
  return report.targets.find((target) => target.target === file)?.errors ?? [];
}

function suite(stages: readonly Stage[]): void {
  let report: Report;
  beforeAll(async () => {
    report = await validateFixtures(FILES, { stages });
  }, 180_000);

  const seenByAll = (finding: Finding | undefined) => expect(finding?.stages).toEqual(stages);

  it('refuses API versions Kubernetes no longer serves, naming the versions it does serve', () => {
    const errors = errorsOf(report, 'gaps/removed-apis.yaml').filter((error) => error.rule === 'schema/unknown-kind');
    expect(errors.map((error) => `${error.kind}/${error.name}`).sort()).toEqual([...REMOVED].sort());
    const pdb = errors.find((error) => error.name === 'old-pdb');
    expect(pdb?.message).toContain('policy/v1beta1 is not served by Kubernetes v1.35');
    expect(pdb?.message).toContain('policy serves policy/v1');
    for (const error of errors) seenByAll(error);
  });

  it('refuses external-secrets.io/v1beta1, which External Secrets Operator no longer serves', () => {
    const [error, ...rest] = errorsOf(report, 'gaps/external-secret-v1beta1.yaml');
    expect(rest).toEqual([]);
    expect(error?.path).toBe('apiVersion');
    expect(error?.message).toContain('external-secrets.io serves external-secrets.io/v1');
    seenByAll(error);
  });

  it("accepts Flux's stable HelmRelease v2, HelmRepository v1 and OCIRepository v1", () => {
    expect(errorsOf(report, 'gaps/flux-stable.yaml')).toEqual([]);
  });

  it('reads YAML 1.1 as kubectl does: `value: yes` is a boolean where a string belongs; `no` and `<<:` merge keys are fine', () => {
    const errors = errorsOf(report, 'gaps/yaml11.yaml');
    expect(errors.map((error) => `${error.rule} ${error.path}`)).toEqual(['schema/type spec.containers[0].env[0].value']);
    seenByAll(errors[0]);
  });

  it('refuses each Pod Security restricted violation: nfs, SELinux spc_t, AppArmor Unconfined, Unmasked /proc, unsafe sysctl, host process, privileged ephemeral container', () => {
    const errors = errorsOf(report, 'gaps/pod-security.yaml');
    for (const pod of POD_SECURITY) {
      expect(errors.filter((error) => error.name === pod && error.rule === 'pod-security'), pod).not.toEqual([]);
      if (stages.includes('server')) expect(errors.filter((error) => error.name === pod && error.rule.startsWith('server/')), pod).not.toEqual([]);
    }
  });

  it('checks ServiceMonitor and Certificate against their CRDs; an unknown CRD is an error that --skip-kinds lifts', async () => {
    const errors = errorsOf(report, 'gaps/other-crds.yaml');
    expect(errors.map((error) => `${error.kind}/${error.name} ${error.path}`)).toEqual(['Widget/gadget apiVersion']);
    expect(errors[0]?.message).toContain('--skip-kinds Widget');
    const skipped = await validateFixtures(['gaps/other-crds.yaml'], { stages, skipKinds: ['example.com/v1/Widget'] });
    expect(skipped.targets[0]?.errors).toEqual([]);
  }, 60_000);
}

describe('gaps, offline (embedded stage alone)', () => suite(['embedded']));
describe.runIf(allTools().ok)('gaps, every stage (embedded, real kubeconform, real kube-apiserver)', () => suite(['embedded', 'kubeconform', 'server']));
