/**
 * The pod source's rules as pure functions over plain objects: what a pod's status means, which
 * reason it fails for (most specific first, the order of `PodFailureReasons`), and when the
 * verdict may change without a new observation. Nothing here reads a clock; `now` is passed in.
 *
 * Every function accepts whatever the API (or a bug) may hand over: no status, containers without
 * names, reasons nobody knows, garbage times. Such input yields no symptom, never a throw.
 */
import type { RecoveryConfig } from '../../config/recovery-config';
import type { PodFailureReason } from '../../domain';
import { specificityOf, WaitingReasons } from '../../domain';
import { isRecord, stringsOf, timeOf } from './rules';

/** One owner reference, normalised. */
export interface OwnerView {
  kind: string;
  name: string;
  controller: boolean;
}

/** One container's status, normalised (init containers too). */
export interface ContainerView {
  /** `init:<name>` for an init container, so both kinds never share a restart history. */
  name: string;
  restartCount: number;
  ready: boolean;
  waiting?: { reason: string; message?: string };
  terminated?: { reason: string; exitCode?: number; finishedAt?: number };
  lastTerminated?: { reason: string; exitCode?: number; finishedAt?: number };
}

/** The part of a Pod the rules read. */
export interface PodView {
  namespace: string;
  name: string;
  uid?: string;
  labels: Readonly<Record<string, string>>;
  owners: readonly OwnerView[];
  terminating: boolean;
  phase?: string;
  statusReason?: string;
  statusMessage?: string;
  /** The Ready condition, when the pod has one with a status. */
  ready?: { status: string; since?: number };
  containers: readonly ContainerView[];
}

/**
 * Normalises a Pod from the API (or anything else) into a {@link PodView}.
 * @returns undefined without a namespace and a name, the pod's identity.
 */
export function podViewOf(pod: unknown): PodView | undefined {
  if (!isRecord(pod) || !isRecord(pod.metadata)) return undefined;
  const { name, namespace } = pod.metadata;
  if (typeof name !== 'string' || name === '' || typeof namespace !== 'string' || namespace === '')
    return undefined;
  const status = isRecord(pod.status) ? pod.status : {};
  const ready = Array.isArray(status.conditions)
    ? (status.conditions as unknown[]).find((c) => isRecord(c) && c.type === 'Ready')
    : undefined;
  return {
    namespace,
    name,
    uid: stringOr(pod.metadata.uid),
    labels: stringsOf(pod.metadata.labels),
    owners: ownersOf(pod.metadata.ownerReferences),
    terminating: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    phase: stringOr(status.phase),
    statusReason: stringOr(status.reason),
    statusMessage: stringOr(status.message),
    ready:
      isRecord(ready) && typeof ready.status === 'string'
        ? { status: ready.status, since: timeOf(ready.lastTransitionTime) }
        : undefined,
    containers: [
      ...containersOf(status.initContainerStatuses, 'init:'),
      ...containersOf(status.containerStatuses, ''),
    ],
  };
}

/** The owner references that have a kind and a name; the rest is dropped. */
export function ownersOf(raw: unknown): OwnerView[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((o: unknown): OwnerView[] =>
    isRecord(o) && typeof o.kind === 'string' && typeof o.name === 'string' && o.name !== ''
      ? [{ kind: o.kind, name: o.name, controller: o.controller === true }]
      : [],
  );
}

function containersOf(raw: unknown, prefix: string): ContainerView[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c: unknown): ContainerView[] => {
    if (!isRecord(c) || typeof c.name !== 'string') return [];
    const state = isRecord(c.state) ? c.state : {};
    const last = isRecord(c.lastState) ? c.lastState : {};
    const count = typeof c.restartCount === 'number' && c.restartCount >= 0 ? c.restartCount : 0;
    return [
      {
        name: `${prefix}${c.name}`,
        restartCount: Number.isFinite(count) ? Math.floor(count) : 0,
        ready: c.ready === true,
        waiting: reasonOf(state.waiting),
        terminated: terminationOf(state.terminated),
        lastTerminated: terminationOf(last.terminated),
      },
    ];
  });
}

function reasonOf(raw: unknown): { reason: string; message?: string } | undefined {
  if (!isRecord(raw) || typeof raw.reason !== 'string') return undefined;
  return { reason: raw.reason, message: stringOr(raw.message) };
}

function terminationOf(raw: unknown): ContainerView['terminated'] {
  if (!isRecord(raw) || typeof raw.reason !== 'string') return undefined;
  return {
    reason: raw.reason,
    exitCode: typeof raw.exitCode === 'number' ? raw.exitCode : undefined,
    finishedAt: timeOf(raw.finishedAt),
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Why a pod fails now. */
export interface Symptom {
  reason: PodFailureReason;
  message: string;
  /** When the symptom began, when the status tells (NotReady: Ready False + not_ready_window). */
  since?: number;
}

/** What one observation of a pod says. */
export interface PodVerdict {
  /** The most specific symptom, if any. */
  symptom?: Symptom;
  /** Succeeded, or Running and Ready with no symptom: any episode of the pod is over. */
  healthy: boolean;
  /** When the verdict changes if nothing else does (a window opens or closes): judge again then. */
  recheckAt?: number;
}

/** The config the pod rules read. */
export type PodRulesConfig = Pick<RecoveryConfig, 'pod_restart_threshold' | 'workload'>;

/**
 * Judges one pod.
 * @param restarts the most restarts of one container within `workload.restart_window`, seen by
 *   this process (./pod-restarts.ts), and when the oldest of them leaves the window.
 * @param firstSeenAt when this process first saw the pod not Ready, for a Ready condition without
 *   a usable transition time.
 */
export function judgePod(
  view: PodView,
  restarts: { count: number; expiresAt?: number },
  config: PodRulesConfig,
  now: number,
  firstSeenAt: number = now,
): PodVerdict {
  if (view.phase === 'Succeeded') return { healthy: true };
  const symptoms: Symptom[] = [];
  const rechecks: number[] = [];
  const windowMs = config.workload.restart_window * 1000;
  for (const c of view.containers) containerSymptoms(c, windowMs, now, symptoms, rechecks);
  if (restarts.count >= config.pod_restart_threshold) {
    symptoms.push({
      reason: 'RestartsRising',
      message: `a container restarted ${restarts.count} times within ${config.workload.restart_window}s`,
    });
    if (restarts.expiresAt !== undefined) rechecks.push(restarts.expiresAt);
  }
  if (view.phase === 'Failed')
    symptoms.push({ reason: 'Failed', message: view.statusMessage ?? view.statusReason ?? 'phase Failed' });
  notReady(view, config, now, firstSeenAt, symptoms, rechecks);
  const symptom = mostSpecific(symptoms);
  const healthy = !symptom && view.phase === 'Running' && view.ready?.status === 'True';
  const later = rechecks.filter((t) => t > now);
  return { symptom, healthy, recheckAt: later.length > 0 ? Math.min(...later) : undefined };
}

/** Running but not Ready for longer than `workload.not_ready_window`. */
function notReady(
  view: PodView,
  config: PodRulesConfig,
  now: number,
  firstSeenAt: number,
  symptoms: Symptom[],
  rechecks: number[],
): void {
  if (view.phase !== 'Running' || !view.ready || view.ready.status === 'True') return;
  const since = view.ready.since !== undefined && view.ready.since <= now ? view.ready.since : firstSeenAt;
  const onset = since + config.workload.not_ready_window * 1000;
  if (now < onset) rechecks.push(onset);
  else
    symptoms.push({
      reason: 'NotReady',
      message: `not Ready since ${new Date(since).toISOString()}`,
      since: onset,
    });
}

function containerSymptoms(
  c: ContainerView,
  windowMs: number,
  now: number,
  symptoms: Symptom[],
  rechecks: number[],
): void {
  const waiting = c.waiting ? WaitingReasons[c.waiting.reason] : undefined;
  if (waiting && c.waiting)
    symptoms.push({
      reason: waiting,
      message: c.waiting.message ?? `container ${c.name}: ${c.waiting.reason}`,
    });
  const oom = [c.terminated, c.lastTerminated].find((t) => t?.reason === 'OOMKilled');
  if (!oom) return;
  const message = `container ${c.name} was OOMKilled${oom.exitCode === undefined ? '' : ` (exit ${oom.exitCode})`}`;
  // The current state, or a recent kill: a container OOM-killed last week and fine since is not failing.
  if (oom === c.terminated) symptoms.push({ reason: 'OOMKilled', message });
  else if (oom.finishedAt !== undefined && oom.finishedAt <= now && now - oom.finishedAt < windowMs) {
    symptoms.push({ reason: 'OOMKilled', message });
    rechecks.push(oom.finishedAt + windowMs);
  } else if (oom.finishedAt === undefined && !c.ready) symptoms.push({ reason: 'OOMKilled', message });
}

/** The symptom whose reason comes first in `PodFailureReasons`. */
function mostSpecific(symptoms: readonly Symptom[]): Symptom | undefined {
  let best: Symptom | undefined;
  for (const s of symptoms) if (!best || specificity(s.reason) < specificity(best.reason)) best = s;
  return best;
}

/** Lower is more specific; an unknown reason ranks last. */
export const specificity = specificityOf;
