import { describe, expect, it } from 'vitest';
import { errorsOf, where } from './helpers.js';

describe('policies', () => {
  it('selector-match: a Service may add the run-time role label, but not a role the agent never sets', async () => {
    expect(where(await errorsOf('policy/selector-match.yaml'))).toEqual([
      'selector-match Service/db-primary spec.selector',
      'selector-match PodDisruptionBudget/db spec.selector',
      'selector-match StatefulSet/db spec.selector',
    ]);
  });

  it('configmap-refs: missing keys (volume items, configMapKeyRef) and missing ConfigMaps; optional refs and the cluster CA are fine', async () => {
    expect(where(await errorsOf('policy/configmap-refs.yaml'))).toEqual([
      'configmap-refs Deployment/app spec.template.spec.volumes[0].configMap.items[1].key',
      'configmap-refs Deployment/app spec.template.spec.volumes[1].projected.sources[1].configMap.items[0].key',
      'configmap-refs Deployment/app spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.key',
      'configmap-refs Deployment/app spec.template.spec.containers[0].envFrom[0].configMapRef.name',
    ]);
  });

  it('secret-refs: a Secret is declared by an ExternalSecret (target name or own name) or a Certificate, and its keys are checked when known', async () => {
    expect(where(await errorsOf('policy/secret-refs.yaml'))).toEqual([
      'secret-refs Deployment/app spec.template.spec.volumes[0].secret.secretName',
      'secret-refs Deployment/app spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key',
    ]);
  });

  it('certificate-names: a Certificate a StatefulSet mounts names every one of its pods in its namespace, and loopback', async () => {
    const errors = (await errorsOf('policy/certificate-names.yaml')).filter((e) => e.rule === 'certificate-names');
    expect(where(errors)).toEqual([
      'certificate-names Certificate/wrong-namespace spec.dnsNames',
      'certificate-names Certificate/wrong-namespace spec.ipAddresses',
      'certificate-names Certificate/first-pod-only spec.dnsNames',
    ]);
    expect(errors[0]?.message).toMatch(/must cover db-0\.db\.prod\.svc, db-1\.db\.prod\.svc, db-2\.db\.prod\.svc and localhost/);
    expect(errors[2]?.message).toMatch(/must cover db-1\.db\.prod\.svc and db-2\.db\.prod\.svc /);
  });

  it('namespace-retained: outside dev, a Namespace carries what keeps Argo CD and Flux from deleting it', async () => {
    const errors = (await errorsOf('policy/namespace-retained.yaml')).filter((e) => e.rule === 'namespace-retained');
    expect(where(errors)).toEqual([
      'namespace-retained Namespace/pruned metadata.annotations["argocd.argoproj.io/sync-options"]',
      'namespace-retained Namespace/pruned metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]',
      'namespace-retained Namespace/argo-only metadata.annotations["argocd.argoproj.io/sync-options"]',
      'namespace-retained Namespace/argo-only metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]',
    ]);
    expect(errors[2]?.message).toMatch(/missing Delete=false/);
  });

  it('probes: every container needs readiness and liveness probes; init containers are exempt', async () => {
    expect(where(await errorsOf('policy/probes.yaml'))).toEqual(['probes StatefulSet/db spec.template.spec.containers[1].readinessProbe']);
  });

  it('resources: cpu and memory requests and limits on every container, init containers included', async () => {
    expect(where(await errorsOf('policy/resources.yaml'))).toEqual([
      'resources StatefulSet/db spec.template.spec.initContainers[0].resources.requests.cpu',
      'resources StatefulSet/db spec.template.spec.containers[0].resources.limits.memory',
    ]);
  });

  it('pod-security: each violation of the restricted profile, at the pod or the container; container-level settings count', async () => {
    expect(where(await errorsOf('policy/pod-security.yaml'))).toEqual([
      'pod-security Pod/host-network spec.hostNetwork',
      'pod-security Pod/host-path spec.volumes[0].hostPath',
      'pod-security Pod/privileged spec.containers[0].securityContext.privileged',
      'pod-security Pod/escalation spec.containers[0].securityContext.allowPrivilegeEscalation',
      'pod-security Pod/no-drop-all spec.containers[0].securityContext.capabilities.drop',
      'pod-security Pod/root spec.containers[0].securityContext.runAsNonRoot',
      'pod-security Pod/unconfined spec.containers[0].securityContext.seccompProfile.type',
      'pod-security Pod/no-seccomp spec.containers[0].securityContext.seccompProfile.type',
    ]);
  });

  it('secret-clear-data: values in a Secret are errors, unless generated from local files (credentials, TLS) in dev', async () => {
    expect(where(await errorsOf('policy/secret-clear-data.yaml'))).toEqual([
      'secret-clear-data Secret/plain stringData',
      'secret-clear-data Secret/generated-outside-dev data',
    ]);
    expect(await errorsOf('policy/secret-generated-dev.yaml')).toEqual([]);
  });

  it('image-digest: in staging and prod every container and init container is pinned by a full sha256 digest', async () => {
    expect(where(await errorsOf('policy/image-digest.yaml'), 'image-digest')).toEqual([
      'image-digest StatefulSet/db spec.template.spec.initContainers[0].image',
      'image-digest StatefulSet/db spec.template.spec.containers[1].image',
      'image-digest Deployment/staging-tag spec.template.spec.containers[0].image',
    ]);
  });

  it('rbac: the Role grants exactly what the agent calls (AGENT_RBAC_RULES), named calls only on named objects', async () => {
    expect(where(await errorsOf('policy/rbac.yaml'))).toEqual([
      'rbac Role/agent rules[0].verbs',
      'rbac Role/agent rules[0].resourceNames',
      'rbac Role/agent rules[1].verbs',
      'rbac Role/agent rules[2].verbs',
      'rbac Role/agent rules',
    ]);
  });

  it('rbac: a Role limited by resourceNames must still name every pod of its StatefulSet', async () => {
    const errors = await errorsOf('policy/rbac-names.yaml');
    expect(where(errors)).toEqual(['rbac Role/agent rules']);
    expect(errors[0]?.message).toMatch(/does not grant get, patch on pods \(db-0, db-1, db-2, db-3\)/);
  });

  describe('storage-mode', () => {
    it('dev needs one pinned local PersistentVolume per replica', async () => {
      expect(where(await errorsOf('policy/storage-dev-short.yaml'))).toEqual([
        'storage-mode PersistentVolume/dev-1 spec.nodeAffinity.required',
        'storage-mode StatefulSet/db spec.replicas',
      ]);
      expect(await errorsOf('policy/storage-dev-good.yaml')).toEqual([]);
    });

    it('dev claims must use the no-provisioner WaitForFirstConsumer class when the render brings local volumes', async () => {
      expect(where(await errorsOf('policy/storage-dev-dynamic.yaml'))).toEqual([
        'storage-mode StatefulSet/db spec.volumeClaimTemplates[0].spec.storageClassName',
      ]);
    });

    it('dev without local volumes leaves its claims to the cluster’s provisioner (overlays/quickstart)', async () => {
      expect(await errorsOf('policy/storage-dev-cluster-provisioner.yaml')).toEqual([]);
    });

    it('outside dev, no-provisioner classes and local volumes are errors', async () => {
      expect(where(await errorsOf('policy/storage-staging-local.yaml'))).toEqual([
        'storage-mode StorageClass/local-storage provisioner',
        'storage-mode PersistentVolume/staging-0 spec.local',
        'storage-mode StatefulSet/db spec.volumeClaimTemplates[0].spec.storageClassName',
      ]);
    });

    it('outside dev, the claim must name its StorageClass', async () => {
      expect(where(await errorsOf('policy/storage-prod-default-class.yaml'))).toEqual([
        'storage-mode StatefulSet/db spec.volumeClaimTemplates[0].spec.storageClassName',
      ]);
    });

    it('does not run when no environment is known', async () => {
      expect(await errorsOf('policy/storage-no-environment.yaml')).toEqual([]);
    });
  });

  it('gitops-path: Argo CD and Flux paths must be kustomizations in the repository, ApplicationSet list elements expanded', async () => {
    expect(where(await errorsOf('gitops/applications.yaml'))).toEqual([
      'gitops-path Application/missing-overlay spec.source.path',
      'gitops-path ApplicationSet/per-env spec.template.spec.source.path',
      'gitops-path Kustomization/outside spec.path',
    ]);
  });
});
