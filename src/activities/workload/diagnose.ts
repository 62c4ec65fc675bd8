/**
 * The diagnosis of a failing workload, a pure function of what the adapter read: which reason the
 * strategy is chosen for, the container, the rollout and what it changed, memory, image and missing
 * config facts, Events, the log lines that matched, who else manages the workload.
 */
import type { Diagnosis, Management, PodFailureReason, RolloutFacts } from '../../domain';
import { gitOpsManager, quantityBytes, specificityOf, WorkloadAnnotations } from '../../domain';
import { fingerprintOf, remediationsOf } from './fingerprint';
import { logMatches } from './log-signatures';
import type { PodVerdict } from './pod-verdict';
import { podVerdict } from './pod-verdict';
import type { TemplateContainer, WorkloadObject, WorkloadSnapshot } from './snapshot';
import { templateChanges } from './template-diff';

export interface DiagnosisInput {
  snapshot: WorkloadSnapshot;
  /** What the detector saw; used when the pods show nothing specific any more. */
  detected: PodFailureReason;
  /** The previous container's log tail, when it was served. */
  log?: string;
  /** The product's opt-out label (`<label>=true` on the workload or its namespace). */
  optOutLabel: string;
}

/** The failing pods' verdicts, the first one of the most specific reason first. */
export function verdictsOf(snapshot: WorkloadSnapshot): PodVerdict[] {
  return snapshot.pods
    .flatMap((p) => podVerdict(p) ?? [])
    .sort((a, b) => specificityOf(a.reason) - specificityOf(b.reason));
}

export function diagnose({ snapshot, detected, log, optOutLabel }: DiagnosisInput): Diagnosis {
  const { object, target } = snapshot;
  const verdicts = verdictsOf(snapshot);
  const top = verdicts[0];
  const reason = top?.reason ?? detected;
  const base: Diagnosis = {
    workload: target,
    exists: object !== undefined,
    ownerChain: snapshot.ownerChain,
    reason,
    failingPods: verdicts.map((v) => v.pod),
    healthy: object !== undefined && verdicts.length === 0 && rolloutComplete(snapshot),
    events: snapshot.events,
    logMatches: logMatches(log),
    management: management(snapshot, optOutLabel),
    fingerprint: fingerprintOf(snapshot),
    remediations: object ? remediationsOf(object.annotations) : [],
    gaps: [],
  };
  return object ? { ...base, ...workloadFacts(snapshot, object, reason, top, verdicts, log) } : base;
}

/** What the workload's spec and revisions say about the failing container. */
function workloadFacts(
  snapshot: WorkloadSnapshot,
  object: WorkloadObject,
  reason: PodFailureReason,
  top: PodVerdict | undefined,
  verdicts: PodVerdict[],
  log: string | undefined,
): Partial<Diagnosis> {
  const facts: Partial<Diagnosis> = {};
  const rolledBackFrom = object.annotations[WorkloadAnnotations.rolledBackFrom];
  if (rolledBackFrom) facts.rolledBackFrom = rolledBackFrom;
  const rollout = rolloutFacts(snapshot);
  if (rollout) facts.rollout = rollout;
  const spec =
    object.template.containers.find((c) => c.name === top?.container) ?? object.template.containers[0];
  if (spec) {
    facts.container = spec.name;
    facts.memory = memoryOf(spec);
    if (reason === 'ImagePullBackOff' || reason === 'ErrImagePull')
      facts.image = {
        container: spec.name,
        image: spec.image,
        registry: registryOf(spec.image),
        pullSecrets: object.template.imagePullSecrets,
        ...(top?.message ? { message: top.message } : {}),
      };
  }
  if (reason === 'CreateContainerConfigError')
    facts.missingConfig = missingConfig(verdicts, snapshot.target.namespace);
  if (log === undefined && (reason === 'CrashLoopBackOff' || reason === 'OOMKilled'))
    facts.gaps = ['the previous container log was not served'];
  return facts;
}

function memoryOf(spec: TemplateContainer): NonNullable<Diagnosis['memory']> {
  const limit = quantityBytes(spec.resources.limits?.memory);
  const request = quantityBytes(spec.resources.requests?.memory);
  return {
    container: spec.name,
    ...(limit !== undefined ? { limitBytes: limit } : {}),
    ...(request !== undefined ? { requestBytes: request } : {}),
  };
}

/** kubectl rollout status: the newest generation observed, every replica updated, ready, available, no old one left. */
export function rolloutComplete({ object }: WorkloadSnapshot): boolean {
  if (!object) return false;
  const r = object.rollout;
  return (
    r.observedGeneration >= r.generation &&
    r.updated >= r.desired &&
    r.ready >= r.desired &&
    r.available >= r.desired &&
    r.old === 0
  );
}

function rolloutFacts({ revisions, object }: WorkloadSnapshot): RolloutFacts | undefined {
  const [latest, previous] = revisions;
  if (!latest || !object) return undefined;
  return {
    revision: latest.revision,
    ...(previous ? { previousRevision: previous.revision } : {}),
    ...(previous?.templateHash ? { previousTemplateHash: previous.templateHash } : {}),
    ...(latest.createdAt ? { changedAt: latest.createdAt } : {}),
    ...(latest.changeCause ? { changeCause: latest.changeCause } : {}),
    changes: previous ? templateChanges(previous.template, latest.template) : [],
  };
}

/** Who else manages the workload (GitOps, an HPA), and whether it is opted out or paused. */
export function management(
  { object, namespaceLabels, hpa }: WorkloadSnapshot,
  optOutLabel: string,
): Management {
  const m: Management = {};
  if (!object) return m;
  const gitOps = gitOpsManager(object.labels, object.annotations);
  if (gitOps) m.gitOps = gitOps;
  if (hpa) m.hpa = hpa;
  if (object.labels[optOutLabel] === 'true') m.optedOut = `${optOutLabel}=true on the workload`;
  else if (namespaceLabels[optOutLabel] === 'true') m.optedOut = `${optOutLabel}=true on its namespace`;
  if (object.paused) m.paused = true;
  return m;
}

/** `docker.io` for short names (`nginx`, `library/nginx`), else the first path element. */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

/** From the kubelet's messages: `secret "db" not found`, `couldn't find key password in Secret shop/db`. */
function missingConfig(verdicts: PodVerdict[], namespace: string): string[] {
  const missing = new Set<string>();
  for (const { message } of verdicts) {
    if (!message) continue;
    const object = /(secret|configmap) "([^"]+)" not found/i.exec(message);
    if (object)
      missing.add(
        `${object[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap'} ${namespace}/${object[2]}`,
      );
    const key = /couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/i.exec(message);
    if (key) missing.add(`key ${key[1]} in ${key[2]} ${key[3]}`);
    if (!object && !key) missing.add(message.slice(0, 300));
  }
  return [...missing];
}
