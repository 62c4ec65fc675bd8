/**
 * The labels and annotations the product reads and writes on Kubernetes objects, in one place, so
 * the detector, the activities and the adapter can never disagree about them.
 */

/** Who the product says it is when it marks objects (cordon annotation, Event source). */
export const MANAGER = 'temporal-self-healing';

/** Node labels that opt a node out of remediation, besides the product's own (config `opt_out_label`). */
export const OptOutLabels = {
  /** Medik8s Node Healthcheck: opted out when the value is `true`. */
  medik8s: 'remediation.medik8s.io/exclude-from-remediation',
  /** Cluster API MachineHealthCheck: opted out when present, whatever the value. */
  clusterApi: 'cluster.x-k8s.io/skip-remediation',
} as const;

/**
 * Labels that mark a control-plane node: kubeadm's current one and the legacy `master`, which
 * older clusters and some distributions still put on their control planes.
 */
export const ControlPlaneLabels = [
  'node-role.kubernetes.io/control-plane',
  'node-role.kubernetes.io/master',
] as const;

/** Annotations the product writes on a node it cordons (removed when it uncordons). */
export const NodeAnnotations = {
  cordonedBy: 'self-healing.temporal.io/cordoned-by',
  cordonReason: 'self-healing.temporal.io/cordon-reason',
  workflowId: 'self-healing.temporal.io/workflow-id',
  /** The workflow run that owns the cordon: see the ownership rule in README, Do no harm. */
  cordonOwner: 'self-healing.temporal.io/cordon-owner',
} as const;

/** Annotation the kubelet puts on the API mirror of a static pod. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** True when the labels mark a control-plane node. */
export function isControlPlane(labels: Readonly<Record<string, string>>): boolean {
  return ControlPlaneLabels.some((label) => Object.hasOwn(labels, label));
}

/**
 * Why the node is opted out of remediation, or undefined when it is not: Medik8s'
 * `remediation.medik8s.io/exclude-from-remediation=true`, Cluster API's
 * `cluster.x-k8s.io/skip-remediation` (any value), or `<productLabel>=true`.
 */
export function optOutReason(
  labels: Readonly<Record<string, string>>,
  productLabel: string,
): string | undefined {
  if (labels[OptOutLabels.medik8s] === 'true') return `${OptOutLabels.medik8s}=true`;
  if (Object.hasOwn(labels, OptOutLabels.clusterApi)) return OptOutLabels.clusterApi;
  if (labels[productLabel] === 'true') return `${productLabel}=true`;
  return undefined;
}

/** Annotations the product writes on a workload it remediates (with the remediation's own patch). */
export const WorkloadAnnotations = {
  /** Times of the product's remediations (ISO-8601, comma-separated, newest last): cooldown and hourly cap. */
  remediations: 'self-healing.temporal.io/remediations',
  /** The pod-template-hash the product rolled back from: never rolled forward to again. */
  rolledBackFrom: 'self-healing.temporal.io/rolled-back-from',
  /** What the last remediation was and which workflow did it. */
  lastRemediation: 'self-healing.temporal.io/last-remediation',
  /** ISO-8601 time of the product's last change of the workload's replicas (the scaling cooldown). */
  lastScaled: 'self-healing.temporal.io/last-scaled',
  /** Which workflow and step made that change (`<workflowId>#<step>`): a retried scale finds it done. */
  lastScaledBy: 'self-healing.temporal.io/last-scaled-by',
  /** `kubectl rollout restart`'s pod-template annotation. */
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
  /** A Deployment's revision, on it and on each of its ReplicaSets. */
  revision: 'deployment.kubernetes.io/revision',
  changeCause: 'kubernetes.io/change-cause',
} as const;

/**
 * Markers of GitOps controllers that would revert a patch (research note §3): the workload is left
 * to them and the recommended change goes to humans. `app.kubernetes.io/instance` is Argo CD's
 * default tracking label but Helm writes it too, so it counts only without Helm's `managed-by`.
 */
export function gitOpsManager(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
): string | undefined {
  if (annotations['argocd.argoproj.io/tracking-id']) return 'Argo CD (argocd.argoproj.io/tracking-id)';
  if (labels['argocd.argoproj.io/instance']) return 'Argo CD (argocd.argoproj.io/instance)';
  const disabled = annotations['kustomize.toolkit.fluxcd.io/reconcile'] === 'disabled';
  if (labels['kustomize.toolkit.fluxcd.io/name'] && !disabled)
    return 'Flux (kustomize.toolkit.fluxcd.io/name)';
  if (labels['helm.toolkit.fluxcd.io/name'] && !disabled) return 'Flux (helm.toolkit.fluxcd.io/name)';
  if (labels['app.kubernetes.io/instance'] && labels['app.kubernetes.io/managed-by'] !== 'Helm')
    return 'Argo CD (app.kubernetes.io/instance)';
  return undefined;
}
