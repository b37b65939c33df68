import { rmSync } from 'node:fs';
import { allTools } from '@mysqlha/kube-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTargets, type Finding, type Report, type Stage } from '../src/index.js';
import { loadCorpus, writeCorpus, type Variant } from './corpus/materialize.js';

/**
 * Real-world manifests (the design seeds, Kubernetes' own MySQL StatefulSets, Argo CD's and Flux's example
 * apps) and broken variants of each, through all three stages. The stages must agree on every object, except
 * where this file says which one is right and why.
 */
const STAGES: readonly Stage[] = ['embedded', 'kubeconform', 'server'];
const VARIANTS: readonly Variant[] = ['original', 'unknown-field', 'wrong-type'];

/**
 * Objects on which the stages differ, and why the verdict given is the right one. Keyed by
 * `<file>.<variant>.yaml <Kind>/<name>`; the value is the stages that refuse the object.
 */
const DISAGREEMENTS: Readonly<Record<string, { refusedBy: readonly Stage[]; why: string }>> = {};

/** The stages that refused each object of a target, from its schema findings (Pod Security is compared apart). */
function verdicts(errors: readonly Finding[]): Map<string, Set<Stage>> {
  const byObject = new Map<string, Set<Stage>>();
  for (const error of errors) {
    if (error.rule === 'server/pod-security' || error.kind === undefined) continue;
    const stages = error.stages ?? (error.rule.startsWith('server/') ? ['server' as const] : []);
    if (stages.length === 0) continue;
    const key = `${error.kind}/${error.name ?? ''}`;
    const set = byObject.get(key) ?? new Set<Stage>();
    for (const stage of stages) set.add(stage);
    byObject.set(key, set);
  }
  return byObject;
}

describe.runIf(allTools().ok)('a corpus of real-world manifests: embedded, kubeconform and the API server agree', () => {
  let report: Report;
  let dir: string;

  beforeAll(async () => {
    const files = await loadCorpus();
    const written = writeCorpus(files, VARIANTS);
    dir = written.dir;
    report = await validateTargets(written.names, { cwd: dir, stages: STAGES });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives one verdict per object across the three stages, or the disagreement is explained', () => {
    const seen: string[] = [];
    for (const target of report.targets) {
      for (const [object, stages] of verdicts(target.errors)) {
        const key = `${target.target} ${object}`;
        const known = DISAGREEMENTS[key];
        if (known) {
          seen.push(key);
          expect([...stages].sort(), key).toEqual([...known.refusedBy].sort());
        } else {
          expect([...stages].sort(), key).toEqual([...STAGES].sort());
        }
      }
    }
    expect(seen.sort()).toEqual(Object.keys(DISAGREEMENTS).sort());
  });

  it('refuses every broken variant in every stage', () => {
    const broken = report.targets.filter((target) => !target.target.endsWith('.original.yaml'));
    expect(broken.length).toBeGreaterThan(30);
    for (const target of broken) {
      const flagged = verdicts(target.errors);
      const all = [...flagged.values()].some((stages) => STAGES.every((stage) => stages.has(stage)));
      expect(all, `${target.target}: ${JSON.stringify([...flagged].map(([key, value]) => [key, [...value]]))}`).toBe(true);
    }
  });

  it("the server's Pod Security admission and the pod-security policy refuse the same pod templates", () => {
    for (const target of report.targets) {
      const server = new Set(target.errors.filter((error) => error.rule === 'server/pod-security').map((error) => `${error.kind}/${error.name}`));
      const policy = new Set(target.errors.filter((error) => error.rule === 'pod-security').map((error) => `${error.kind}/${error.name}`));
      expect([...policy].sort(), target.target).toEqual([...server].sort());
    }
  });
});
