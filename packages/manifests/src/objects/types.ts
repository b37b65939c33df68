import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/**
 * External Secrets Operator serves external-secrets.io/v1 only (since 0.17); v1 kept every v1beta1 field used
 * here, and the model package has types for v1beta1 alone.
 */
export type ExternalSecretV1 = Omit<IExternalSecret, 'apiVersion'> & { apiVersion: 'external-secrets.io/v1' };

/** Every kind of object in base/. Each carries metadata with a name. */
export type KubeObject = (
  | IStatefulSet
  | IService
  | IConfigMap
  | IServiceAccount
  | IRole
  | IRoleBinding
  | IPodDisruptionBudget
  | INetworkPolicy
  | IValidatingAdmissionPolicy
  | IValidatingAdmissionPolicyBinding
  | ExternalSecretV1
) & { metadata: { name: string; namespace: string } };
