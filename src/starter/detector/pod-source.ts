/**
 * The pod source of the detector: informers on Pods, ReplicaSets and Namespaces (trimmed, list +
 * watch) feeding the pure pod rules (./pod-rules.ts), one timer per pod whose verdict a window will
 * change, and the calls that start or inform one workload recovery per failing workload
 * (./workload-calls.ts). See docs/detector.md, "The pod source".
 */
import type { PodSourceInformers, V1Pod } from '../../activities/kubernetes/watch';
import type { ConfigSource } from '../../config/config-source';
import type { RecoveryConfig } from '../../config/recovery-config';
import type { WorkloadTarget } from '../../domain';
import { workloadTargetKey } from '../../domain';
import type { Logger } from '../../logging';
import type { Clock, TimerHandle } from './clock';
import type { EventHub } from './event-hub';
import { reportOptedOut, reportOwnerUnknown } from './pod-findings';
import { podOptOutReason } from './pod-grouping';
import type { RestartHistory } from './pod-restarts';
import { observeRestarts, restartsWithin } from './pod-restarts';
import type { PodView, Symptom } from './pod-rules';
import { judgePod, podViewOf, specificity } from './pod-rules';
import { stringsOf } from './rules';
import type { PodSourceStats, RecoveryGateway } from './types';
import { WorkloadCalls } from './workload-calls';
import { WorkloadIndex } from './workload-health';

export interface PodSourceDeps {
  informers: PodSourceInformers;
  gateway: RecoveryGateway;
  logger: Logger;
  clock: Clock;
  configSource: ConfigSource;
  hub: EventHub;
}

/** What the source remembers of one pod with something pending: an episode, a timer. */
interface PodTrack {
  /** Start of the unhealthy episode: a symptom seen, and the pod not healthy since. */
  episodeSince?: number;
  /** When this process first saw it Running and not Ready (for a Ready condition without a time). */
  notReadySeenAt?: number;
  timer?: { handle: TimerHandle; at: number };
  /** The workload and reason reported in this episode. */
  reported?: { workload: string; reason: Symptom['reason'] };
  suppressionLogged?: string;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

export class PodSource {
  private readonly tracks = new Map<string, PodTrack>();
  private readonly restarts = new Map<string, RestartHistory>();
  private readonly calls: WorkloadCalls;
  private readonly index: WorkloadIndex;
  private readonly suppressed = { optedOut: 0 };
  private running = false;
  private synced = false;
  private unsubscribeConfig: (() => void) | undefined;

  constructor(private readonly deps: PodSourceDeps) {
    const { informers, gateway, clock, logger, hub, configSource } = deps;
    this.index = new WorkloadIndex(informers);
    const health = (target: WorkloadTarget) => this.index.health(target, (view) => this.podHealthy(view));
    this.calls = new WorkloadCalls({ gateway, clock, logger, hub, configSource, health });
    informers.pods.on('add', (pod) => this.observe(pod, true));
    informers.pods.on('update', (pod) => this.observe(pod, false));
    informers.pods.on('delete', (pod) => {
      const view = podViewOf(pod);
      if (view) this.forget(podKey(view.namespace, view.name));
      this.touched(view);
    });
    for (const verb of ['add', 'update', 'delete'] as const)
      informers.replicaSets.on(verb, (rs) => {
        // A pod held back until its ReplicaSet is cached is judged again.
        if (verb === 'add') this.rejudgeNamespace(rs.metadata?.namespace);
        const key = this.synced && this.calls.workloads.size > 0 && this.index.workloadKeyOfReplicaSet(rs);
        if (key) this.calls.workloadChanged(key);
      });
    informers.namespaces.on('update', (ns) => this.rejudgeNamespace(ns.metadata?.name));
    informers.namespaces.on('add', (ns) => this.rejudgeNamespace(ns.metadata?.name));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { pods, replicaSets, namespaces } = this.deps.informers;
    // Windows, threshold and opt-out label apply live: every pod is judged again under the new config.
    this.unsubscribeConfig = this.deps.configSource.onChange(() => this.reconcileAll());
    // Owners and namespaces first: a pod is only ever grouped and judged against complete caches.
    await Promise.all([replicaSets.start(), namespaces.start()]);
    await pods.start();
    this.synced = true;
    this.reconcileAll();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.synced = false;
    this.unsubscribeConfig?.();
    const { pods, replicaSets, namespaces } = this.deps.informers;
    await Promise.all([pods.stop(), replicaSets.stop(), namespaces.stop()]);
    for (const track of this.tracks.values()) this.clearTimer(track);
    await this.calls.stop();
  }

  /** Re-judges every cached pod (after the first LISTs, and on a config change). */
  reconcileAll(): void {
    for (const pod of this.deps.informers.pods.list()) this.reconcile(podViewOf(pod));
  }

  stats(): PodSourceStats {
    const { pods, replicaSets, namespaces } = this.deps.informers;
    const unhealthy = [...this.calls.workloads.values()].flatMap((s) => {
      const failing = [...s.failing.entries()];
      const reason = failing[0]?.[1].reason;
      return reason ? [{ workload: s.key, pods: failing.map(([k]) => k), reason, started: s.started }] : [];
    });
    return {
      synced: this.synced,
      cached: {
        pods: pods.list().length,
        replicaSets: replicaSets.list().length,
        namespaces: namespaces.list().length,
      },
      unhealthyPods: [...this.tracks.values()].filter((t) => t.episodeSince !== undefined).length,
      unhealthy,
      ...this.calls.stats(),
      suppressed: { ...this.suppressed },
      informers: { pods: pods.stats(), replicaSets: replicaSets.stats(), namespaces: namespaces.stats() },
    };
  }

  private observe(pod: V1Pod, firstSight: boolean): void {
    const view = podViewOf(pod);
    if (!view) return;
    const key = podKey(view.namespace, view.name);
    const windowMs = this.deps.configSource.current().workload.restart_window * 1000;
    const history = observeRestarts(
      this.restarts.get(key),
      view,
      this.deps.clock.now(),
      windowMs,
      firstSight,
    );
    if (history) this.restarts.set(key, history);
    else this.restarts.delete(key);
    this.reconcile(view);
    this.touched(view);
  }

  /** A pod changed: a workload of it waiting to be judged for `Ready` waits again (./workload-calls.ts). */
  private touched(view: PodView | undefined): void {
    if (!view || !this.synced || this.calls.workloads.size === 0) return;
    this.calls.workloadChanged(workloadTargetKey(this.index.workloadOf(view).target));
  }

  /** The pod rules' verdict: Running and Ready with no symptom (or Succeeded), now. */
  private podHealthy(view: PodView): boolean {
    const config = this.deps.configSource.current();
    const now = this.deps.clock.now();
    const windowMs = config.workload.restart_window * 1000;
    const restarts = restartsWithin(this.restarts.get(podKey(view.namespace, view.name)), now, windowMs);
    return judgePod(view, restarts, config, now).healthy;
  }

  /** Re-judges one pod. Idempotent: called on every event and timer. */
  private reconcile(view: PodView | undefined): void {
    if (!this.running || !view) return;
    const key = podKey(view.namespace, view.name);
    // A pod on its way out (scale-down, rollout, eviction) is no evidence about its workload.
    if (view.terminating) return this.forget(key);
    const config = this.deps.configSource.current();
    const now = this.deps.clock.now();
    const track = this.tracks.get(key) ?? {};
    const verdict = this.judge(view, key, track, config, now);
    const confirmAt = (track.episodeSince ?? Infinity) + config.workload.confirmation_window * 1000;
    const confirmed = verdict.symptom !== undefined && now >= confirmAt;
    const pending = verdict.symptom && !confirmed ? confirmAt : Infinity;
    this.setTimer(view, track, Math.min(pending, verdict.recheckAt ?? Infinity));
    if (verdict.symptom && confirmed) this.confirm(view, key, track, verdict.symptom, config, now);
    const idle = track.episodeSince === undefined && track.notReadySeenAt === undefined && !track.timer;
    if (idle) this.tracks.delete(key);
    else this.tracks.set(key, track);
  }

  /** The pod's verdict now; starts or ends its episode. */
  private judge(view: PodView, key: string, track: PodTrack, config: RecoveryConfig, now: number) {
    const notReady = view.phase === 'Running' && view.ready !== undefined && view.ready.status !== 'True';
    track.notReadySeenAt = notReady ? (track.notReadySeenAt ?? now) : undefined;
    const windowMs = config.workload.restart_window * 1000;
    const restarts = restartsWithin(this.restarts.get(key), now, windowMs);
    const verdict = judgePod(view, restarts, config, now, track.notReadySeenAt);
    if (verdict.symptom) track.episodeSince ??= Math.min(verdict.symptom.since ?? now, now);
    else if (verdict.healthy) this.endEpisode(key, track);
    return verdict;
  }

  /** The pod's failure is confirmed: start the workload's recovery, or tell the running one. */
  private confirm(
    view: PodView,
    key: string,
    track: PodTrack,
    symptom: Symptom,
    config: RecoveryConfig,
    now: number,
  ): void {
    // Before every cache is filled, a pod could be grouped by a ReplicaSet not seen yet.
    if (!this.synced) return;
    const { informers } = this.deps;
    const workload = this.index.workloadOf(view);
    const target = workload.target;
    if (workload.unknownOwner) return this.hold(view, track, symptom, workload.unknownOwner);
    const optedOut = podOptOutReason(config.opt_out_label, {
      pod: view.labels,
      workload: workload.labels,
      namespace: stringsOf(informers.namespaces.get(view.namespace)?.metadata?.labels),
    });
    if (optedOut) return this.suppress(target, view, track, symptom, optedOut);
    const reported = track.reported;
    // Once per episode, and again only for a more specific reason (CrashLoopBackOff → OOMKilled).
    if (reported && specificity(symptom.reason) >= specificity(reported.reason)) return;
    track.reported = { workload: workloadTargetKey(target), reason: symptom.reason };
    this.deps.logger.info('pod failure confirmed', {
      workload: track.reported.workload,
      pod: view.name,
      reason: symptom.reason,
      detail: symptom.message,
    });
    const observedAt = new Date(now).toISOString();
    const evidence = { observedAt, reason: symptom.reason, pod: view.name, message: symptom.message };
    // The rule fired when the window elapsed, even if its timer ran late: the overhead counts from there.
    const windowMs = config.workload.confirmation_window * 1000;
    this.calls.podFailed(target, key, evidence, Math.min(now, (track.episodeSince ?? now) + windowMs));
  }

  private suppress(
    target: WorkloadTarget,
    view: PodView,
    track: PodTrack,
    symptom: Symptom,
    detail: string,
  ): void {
    const key = `${symptom.reason}:${detail}`;
    if (track.suppressionLogged === key) return;
    track.suppressionLogged = key;
    this.suppressed.optedOut += 1;
    reportOptedOut(this.deps, { workload: workloadTargetKey(target), pod: view.name }, symptom, detail);
  }

  /** Held back until the pod's ReplicaSet is in the cache (./pod-findings.ts); said once per episode. */
  private hold(view: PodView, track: PodTrack, symptom: Symptom, owner: string): void {
    const key = `${symptom.reason}:owner ${owner}`;
    if (track.suppressionLogged === key) return;
    track.suppressionLogged = key;
    reportOwnerUnknown(this.deps.logger, { pod: view.name, namespace: view.namespace }, symptom, owner);
  }

  private endEpisode(key: string, track: PodTrack): void {
    const reported = track.reported;
    track.episodeSince = undefined;
    track.reported = undefined;
    track.suppressionLogged = undefined;
    if (reported) this.calls.podLeft(reported.workload, key);
  }

  private forget(key: string): void {
    const track = this.tracks.get(key);
    this.restarts.delete(key);
    if (!track) return;
    this.clearTimer(track);
    this.tracks.delete(key);
    if (track.reported) this.calls.podLeft(track.reported.workload, key);
  }

  private setTimer(view: PodView, track: PodTrack, at: number): void {
    if (!Number.isFinite(at)) return this.clearTimer(track);
    if (track.timer?.at === at) return;
    this.clearTimer(track);
    const handle = this.deps.clock.setTimer(() => {
      track.timer = undefined;
      this.reconcile(podViewOf(this.deps.informers.pods.get(view.name, view.namespace)));
    }, at - this.deps.clock.now());
    track.timer = { handle, at };
  }

  private clearTimer(track: PodTrack): void {
    if (track.timer) this.deps.clock.clearTimer(track.timer.handle);
    track.timer = undefined;
  }

  private rejudgeNamespace(namespace: string | undefined): void {
    if (!namespace || !this.synced) return;
    for (const key of [...this.tracks.keys()])
      if (key.startsWith(`${namespace}/`)) {
        const name = key.slice(namespace.length + 1);
        this.reconcile(podViewOf(this.deps.informers.pods.get(name, namespace)));
      }
  }
}
