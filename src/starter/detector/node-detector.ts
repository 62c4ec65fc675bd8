/**
 * The node source of the detector: a list+watch informer on Nodes feeding the pure rules
 * (./rules.ts), one confirmation timer per unhealthy node, the storm guard, and the starts and
 * signals of node recoveries (./recovery-starts.ts). See ./detector.ts for the behaviour.
 */
import type {
  DetectorKubernetes,
  ObjectInformer,
  ObjectRef,
  V1Node,
} from '../../activities/kubernetes/watch';
import type { ConfigSource } from '../../config/config-source';
import type { RecoveryConfig } from '../../config/recovery-config';
import { optOutReason } from '../../domain/labels';
import type { Logger } from '../../logging';
import type { Clock } from './clock';
import { EventHub } from './event-hub';
import type { NodeState } from './node-state';
import { clearTimer, clearTimers, markReported, newNodeState, unhealthyNodes } from './node-state';
import { RecoveryStarts } from './recovery-starts';
import { recoveryInputFor } from './recovery-input';
import type { Episode, NodeFinding, NodeView } from './rules';
import { confirmationWindowMs, isHealthy, nextEpisode, nodeViewOf, pressureOf, readyVerdict } from './rules';
import { StormGuard } from './storm-guard';
import type { AnalysisAlerts, Detector, DetectorStats, RecoveryGateway } from './types';

export interface NodeDetectorDeps {
  kubernetes: DetectorKubernetes;
  gateway: RecoveryGateway;
  logger: Logger;
  clock: Clock;
  configSource: ConfigSource;
  alertTarget: ObjectRef;
  /** Where a lost zone's `partition` finding goes. */
  alerts: AnalysisAlerts;
  /** Shared with the detector's other sources. @default a hub of its own */
  hub?: EventHub;
}

export class NodeDetector implements Detector {
  private readonly informer: ObjectInformer<V1Node>;
  private readonly states = new Map<string, NodeState>();
  private readonly hub: EventHub;
  private readonly storm: StormGuard;
  private readonly starts: RecoveryStarts;
  private readonly suppressed = { optedOut: 0, storm: 0 };
  private running = false;
  private synced = false;
  private unsubscribeConfig: (() => void) | undefined;

  constructor(private readonly deps: NodeDetectorDeps) {
    const { kubernetes, gateway, logger, clock, alertTarget, alerts } = deps;
    this.hub = deps.hub ?? new EventHub(logger);
    this.informer = kubernetes.nodeInformer();
    this.storm = new StormGuard(
      { clock, logger, hub: this.hub, events: kubernetes.events, alertTarget, alerts },
      () => this.reconcileAll(),
    );
    this.starts = new RecoveryStarts({ gateway, clock, logger, hub: this.hub });
    this.informer.on('add', (node) => this.observe(node));
    this.informer.on('update', (node) => this.observe(node));
    this.informer.on('delete', (node) => {
      this.forget(node);
      this.updateStorm();
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { configSource, logger } = this.deps;
    this.unsubscribeConfig = configSource.onChange((config) => {
      logger.info('config changed; re-judging nodes', {
        windowSeconds: confirmationWindowMs(config) / 1000,
        optOutLabel: config.opt_out_label,
      });
      this.updateStorm();
      this.reconcileAll();
    });
    await this.informer.start();
    this.synced = true;
    // Storm first, so nodes found failed at start-up are judged against the cluster as a whole.
    this.updateStorm();
    this.reconcileAll();
    logger.info('detector started', {
      nodes: this.states.size,
      windowSeconds: confirmationWindowMs(configSource.current()) / 1000,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.synced = false;
    this.unsubscribeConfig?.();
    await this.informer.stop();
    this.storm.cancelResume();
    for (const state of this.states.values()) clearTimers(this.deps.clock, state);
    await Promise.all([...this.states.values()].map((s) => s.chain));
  }

  stats(): DetectorStats {
    return {
      running: this.running,
      synced: this.synced,
      nodes: this.states.size,
      unhealthy: unhealthyNodes(this.states),
      storm: { ...this.storm.state, blocking: this.storm.blocks(this.deps.clock.now()) },
      ...this.starts.stats(),
      suppressed: { ...this.suppressed },
      informer: this.informer.stats(),
    };
  }

  subscribe(listener: Parameters<Detector['subscribe']>[0]): () => void {
    return this.hub.subscribe(listener);
  }

  private observe(node: V1Node): void {
    this.reconcile(node);
    this.updateStorm();
  }

  private stateOf(name: string): NodeState {
    let state = this.states.get(name);
    if (!state) {
      state = newNodeState();
      this.states.set(name, state);
    }
    return state;
  }

  /** Re-judges one node from its cached object. Idempotent: called on every event and timer. */
  private reconcile(node: V1Node | undefined): void {
    if (!this.running) return;
    const view = nodeViewOf(node);
    if (!view) {
      this.deps.logger.debug('ignoring a node object without a name');
      return;
    }
    const config = this.deps.configSource.current();
    const now = this.deps.clock.now();
    const state = this.stateOf(view.name);
    const previous = state.episode;
    state.episode = nextEpisode(previous, readyVerdict(view), now);
    if (!state.episode || (previous && state.episode.since !== previous.since)) {
      // Cleared within its confirmation window: a flap, and nothing started.
      const flap = !state.episode && previous && state.reported === undefined;
      if (flap)
        this.hub.emit({ type: 'flap-suppressed', kind: 'node', target: view.name, reason: previous.reason });
      // Healthy again, or a new episode: whatever was pending belonged to the old one.
      clearTimer(this.deps.clock, state);
      state.reported = undefined;
      state.suppressionLogged = undefined;
    }
    if (state.episode) this.judgeEpisode(view, state, state.episode, config, now);
    this.judgePressure(view, state, config, now);
    if (state.recoveryMayRun && isHealthy(view)) {
      state.recoveryMayRun = false;
      this.starts.signal(view.name, state, { observedAt: new Date(now).toISOString(), reason: 'Ready' });
    }
  }

  private judgeEpisode(
    view: NodeView,
    state: NodeState,
    episode: Episode,
    config: RecoveryConfig,
    now: number,
  ) {
    const elapsedAt = episode.since + confirmationWindowMs(config);
    if (state.reported === undefined && now < elapsedAt) {
      if (state.timer?.at !== elapsedAt) {
        clearTimer(this.deps.clock, state);
        const handle = this.deps.clock.setTimer(() => {
          state.timer = undefined;
          this.reconcile(this.informer.get(view.name));
        }, elapsedAt - now);
        state.timer = { handle, at: elapsedAt };
      }
      return;
    }
    clearTimer(this.deps.clock, state);
    // Reported once per episode, and again if the reason changes (NotReady → Unknown) as evidence.
    if (state.reported === episode.reason) return;
    this.report(view, state, config, now, {
      node: view.name,
      reason: episode.reason,
      since: episode.since,
      windowElapsedAt: elapsedAt,
      message: episode.message,
      totalNodes: this.informer.list().length,
      controlPlane: view.controlPlane,
    });
  }

  private judgePressure(view: NodeView, state: NodeState, config: RecoveryConfig, now: number): void {
    const pressure = pressureOf(view);
    for (const type of [...state.reportedPressure])
      if (!pressure.includes(type)) state.reportedPressure.delete(type);
    for (const type of pressure) {
      if (state.reportedPressure.has(type)) continue;
      const condition = view.conditions.find((c) => c.type === type);
      this.report(view, state, config, now, {
        node: view.name,
        reason: type,
        since: condition?.lastTransitionTime ?? now,
        windowElapsedAt: now,
        message: condition?.message ?? condition?.reason,
        totalNodes: this.informer.list().length,
        controlPlane: view.controlPlane,
      });
    }
  }

  /** Starts (or adds evidence to) the node's recovery unless the node opted out or a storm holds. */
  private report(
    view: NodeView,
    state: NodeState,
    config: RecoveryConfig,
    now: number,
    finding: NodeFinding,
  ) {
    // Until the first LIST is complete the storm guard cannot know the cluster's size.
    if (!this.synced) return;
    if (this.suppressedFinding(view, state, config, now, finding)) return;
    markReported(state, finding.reason, true);
    state.recoveryMayRun = true;
    this.deps.logger.info('node problem confirmed; starting recovery', {
      node: finding.node,
      reason: finding.reason,
      since: new Date(finding.since).toISOString(),
      detail: finding.message,
    });
    this.starts.start(state, finding, recoveryInputFor(finding, config), () =>
      this.reconcile(this.informer.get(finding.node)),
    );
  }

  /** True (and logged once per episode) when the node opted out or a storm holds remediation back. */
  private suppressedFinding(
    view: NodeView,
    state: NodeState,
    config: RecoveryConfig,
    now: number,
    finding: NodeFinding,
  ) {
    const optedOut = optOutReason(view.labels, config.opt_out_label);
    const why = optedOut ? 'opted-out' : this.storm.blocks(now) ? 'storm' : undefined;
    if (!why) return false;
    const detail = optedOut ?? this.storm.state.reason;
    const key = `${finding.reason}:${why}`;
    if (state.suppressionLogged !== key) {
      state.suppressionLogged = key;
      this.suppressed[why === 'storm' ? 'storm' : 'optedOut'] += 1;
      this.deps.logger.info('finding suppressed', {
        node: finding.node,
        reason: finding.reason,
        why,
        detail,
      });
      this.hub.emit({ type: 'finding-suppressed', node: finding.node, reason: finding.reason, why, detail });
    }
    return true;
  }

  private forget(node: V1Node): void {
    const name = nodeViewOf(node)?.name;
    const state = name ? this.states.get(name) : undefined;
    if (!name || !state) return;
    clearTimers(this.deps.clock, state);
    this.states.delete(name);
    if (state.recoveryMayRun)
      this.starts.signal(name, state, {
        observedAt: new Date(this.deps.clock.now()).toISOString(),
        reason: 'Unknown',
        message: 'node deleted',
      });
  }

  private updateStorm(): void {
    if (!this.synced) return;
    const nodes = [...this.states].map(([name, s]) => ({
      name,
      labels: nodeViewOf(this.informer.get(name))?.labels ?? {},
      healthy: !s.episode,
      since: s.episode?.since,
    }));
    this.storm.update(nodes, this.deps.configSource.current());
  }

  private reconcileAll(): void {
    for (const node of this.informer.list()) this.reconcile(node);
    this.updateStorm();
  }
}
