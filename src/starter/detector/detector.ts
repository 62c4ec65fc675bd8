/**
 * The detector: a list+watch informer on Nodes feeding the pure rules (./rules.ts), one timer per
 * unhealthy node, the storm guard, and the calls that start or inform node recoveries.
 *
 * - Ready False/Unknown: a timer fires when the episode has lasted the confirmation window
 *   (`node_failure_threshold × health_check_interval`), counted from the Ready condition's
 *   lastTransitionTime, so a restarted detector does not start counting again. Ready again
 *   before that cancels it: a flapping node never triggers.
 * - MemoryPressure/DiskPressure True: reported at once. The kubelet already applies hysteresis
 *   (eviction-pressure-transition-period, 5 min by default), so waiting longer only delays relief.
 * - Every finding becomes `startNodeRecovery` (signal-with-start, ID `node-recovery/<node>`): a
 *   repeated detection adds evidence to the recovery already running. A node that is healthy
 *   again (or deleted) after this process started its recovery gets one evidence signal.
 * - The storm guard holds back every new node remediation while too many nodes fail at once.
 *
 * Temporal calls: one per finding and one per recovered node; nothing periodic.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type {
  DetectorKubernetes,
  InformerStats,
  KubeConfig,
  ObjectInformer,
  ObjectRef,
  V1Node,
} from '../../activities/kubernetes/watch';
import { createDetectorKubernetes } from '../../activities/kubernetes/watch';
import type { ConfigSource } from '../../config/config-source';
import type { RecoveryConfig } from '../../config/recovery-config';
import type { Logger } from '../../logging';
import { errorText, jsonLogger } from '../../logging';
import { optOutReason } from '../../domain/labels';
import { nodeRecoveryWorkflowId, startNodeRecovery, stoppedByPersonSince } from '../recoveries';
import { evidenceSignal } from '../../workflows/messages';
import type { Evidence, NodeFailureReason, NodeRecoveryInput } from '../../domain';
import type { Clock, TimerHandle } from './clock';
import { systemClock } from './clock';
import { recoveryInputFor } from './recovery-input';
import type { Episode, NodeFinding, NodeView, PressureCondition, StormState } from './rules';
import {
  calmStorm,
  confirmationWindowMs,
  evaluateStorm,
  isHealthy,
  nextEpisode,
  nodeViewOf,
  pressureOf,
  readyVerdict,
  stormBlocks,
} from './rules';

/** How the detector starts and informs recoveries; Temporal in production, a fake in unit tests. */
export interface RecoveryGateway {
  /**
   * Starts the recovery or adds evidence to the running one; declines (`declined: 'stopped-by-person'`)
   * when the node's latest recovery ended `Stopped` during this failure episode (since
   * `episodeSince`, epoch ms): a person took the node back, and a restarted detector must not fight them.
   */
  start(
    input: NodeRecoveryInput,
    episodeSince: number,
  ): Promise<{ workflowId: string; runId: string; declined?: 'stopped-by-person' }>;
  /** Signals evidence to the node's recovery; `not-found` when none runs. */
  signal(node: string, evidence: Evidence): Promise<'signalled' | 'not-found'>;
}

/** The {@link RecoveryGateway} over a Temporal client. */
export function temporalRecoveryGateway(client: Client, taskQueue: string): RecoveryGateway {
  return {
    async start(input, episodeSince) {
      const stopped = await stoppedByPersonSince(client, input.node, new Date(episodeSince));
      if (stopped)
        return { workflowId: stopped.workflowId, runId: stopped.runId, declined: 'stopped-by-person' };
      const handle = await startNodeRecovery(client, taskQueue, input);
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
    async signal(node, evidence) {
      try {
        await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).signal(evidenceSignal, evidence);
        return 'signalled';
      } catch (error) {
        // Closed or never started: nobody is waiting for this evidence.
        if (error instanceof WorkflowNotFoundError) return 'not-found';
        throw error;
      }
    },
  };
}

/** Timing of one started recovery; detection overhead = resolvedAt − windowElapsedAt. */
export interface RecoveryStartRecord {
  node: string;
  reason: NodeFailureReason;
  workflowId: string;
  runId: string;
  /** When the confirmation window elapsed (pressure: when the pressure was seen). */
  windowElapsedAt: string;
  /** When the detector acted on it (the timer fired, or the event arrived). */
  actedAt: string;
  /** When `startNodeRecovery` resolved. */
  resolvedAt: string;
  overheadMs: number;
}

/** Something the detector did or decided, for tests, metrics and the storm signal. */
export type DetectorEvent =
  | { type: 'recovery-started'; record: RecoveryStartRecord }
  | { type: 'recovery-start-failed'; node: string; reason: NodeFailureReason; error: string }
  /** Not started: a person stopped the node's recovery `runId` during this failure episode. */
  | { type: 'recovery-declined'; node: string; reason: NodeFailureReason; workflowId: string; runId: string }
  | {
      type: 'finding-suppressed';
      node: string;
      reason: NodeFailureReason;
      why: 'opted-out' | 'storm';
      detail: string;
    }
  | {
      type: 'evidence-signalled';
      node: string;
      evidence: Evidence;
      outcome: 'signalled' | 'not-found' | 'failed';
    }
  /** `phase`: a storm started, cleared (cooldown begins) or remediation resumed. */
  | { type: 'storm'; phase: 'started' | 'cleared' | 'resumed'; state: StormState };

/** A snapshot of the detector's state. */
export interface DetectorStats {
  running: boolean;
  /** The first LIST of nodes is done; before that nothing is reported. */
  synced: boolean;
  nodes: number;
  /** Nodes in an unhealthy episode. */
  unhealthy: { node: string; reason: NodeFailureReason; since: string; reported: boolean }[];
  storm: StormState & { blocking: boolean };
  starts: { calls: number; failures: number };
  signals: { signalled: number; notFound: number; failures: number };
  suppressed: { optedOut: number; storm: number };
  /** The most recent started recoveries (at most {@link MAX_RECORDS}), oldest first. */
  recoveries: RecoveryStartRecord[];
  informer: InformerStats;
}

/** How many {@link RecoveryStartRecord}s are kept. */
export const MAX_RECORDS = 1_000;

/** Backoff of a failed `startNodeRecovery` while the node stays unhealthy. */
export const START_RETRY = { initialMs: 1_000, maxMs: 60_000 } as const;

/** Inputs of {@link createDetector}. Give `kubeConfig` or `kubernetes`, and `client` + `taskQueue` or `recoveries`. */
export interface DetectorOptions {
  kubeConfig?: KubeConfig;
  /** The Kubernetes adapter; built from `kubeConfig` when absent (share one with the config source). */
  kubernetes?: DetectorKubernetes;
  client?: Client;
  taskQueue?: string;
  /** Replaces the Temporal calls (unit tests). */
  recoveries?: RecoveryGateway;
  configSource: ConfigSource;
  /** @default systemClock */
  clock?: Clock;
  /** @default jsonLogger() on stderr */
  logger?: Logger;
  /**
   * The object storm alerts are recorded on as Events (a storm concerns no single node).
   * @default the ConfigMap self-healing/self-healing-config
   */
  alertTarget?: ObjectRef;
}

/** A running detector. */
export interface Detector {
  /** Starts the informer; resolves after the first LIST has been judged. */
  start(): Promise<void>;
  /** Stops the informer and every timer; waits for calls in flight. */
  stop(): Promise<void>;
  stats(): DetectorStats;
  /** @returns unsubscribe. */
  subscribe(listener: (event: DetectorEvent) => void): () => void;
}

interface NodeState {
  episode?: Episode;
  /** The confirmation timer and the time it is set for. */
  timer?: { handle: TimerHandle; at: number };
  /** The reason already reported for this episode (set when the start is queued). */
  reported?: NodeFailureReason;
  /** Pressure conditions already reported while they stay True. */
  reportedPressure: Set<PressureCondition>;
  /** This process started a recovery and the node has not been healthy since. */
  recoveryMayRun: boolean;
  /** The suppression already logged for this episode, so it is logged once. */
  suppressionLogged?: string;
  retry?: { handle: TimerHandle; delayMs: number };
  /** Temporal calls for this node, in order: a Ready signal never overtakes the start before it. */
  chain: Promise<void>;
}

/**
 * Creates the detector.
 * @throws TypeError when neither `kubeConfig` nor `kubernetes`, or neither `client`+`taskQueue`
 *   nor `recoveries`, is given.
 */
export function createDetector(options: DetectorOptions): Detector {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? jsonLogger();
  const { configSource } = options;
  const maybeKubernetes =
    options.kubernetes ??
    (options.kubeConfig ? createDetectorKubernetes(options.kubeConfig, logger) : undefined);
  if (!maybeKubernetes) throw new TypeError('createDetector needs kubeConfig or kubernetes');
  const kubernetes: DetectorKubernetes = maybeKubernetes;
  const maybeRecoveries =
    options.recoveries ??
    (options.client && options.taskQueue
      ? temporalRecoveryGateway(options.client, options.taskQueue)
      : undefined);
  if (!maybeRecoveries) throw new TypeError('createDetector needs client and taskQueue, or recoveries');
  const recoveries: RecoveryGateway = maybeRecoveries;
  const alertTarget: ObjectRef = options.alertTarget ?? {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    name: 'self-healing-config',
    namespace: 'self-healing',
  };

  const informer: ObjectInformer<V1Node> = kubernetes.nodeInformer();
  const states = new Map<string, NodeState>();
  const listeners = new Set<(event: DetectorEvent) => void>();
  const records: RecoveryStartRecord[] = [];
  const counters = {
    starts: { calls: 0, failures: 0 },
    signals: { signalled: 0, notFound: 0, failures: 0 },
    suppressed: { optedOut: 0, storm: 0 },
  };
  let storm: StormState = calmStorm;
  let resumeTimer: TimerHandle | undefined;
  let running = false;
  let synced = false;
  let unsubscribeConfig: (() => void) | undefined;

  function emit(event: DetectorEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error('detector listener failed', { event: event.type, error: errorText(error) });
      }
    }
  }

  function stateOf(name: string): NodeState {
    let state = states.get(name);
    if (!state) {
      state = { reportedPressure: new Set(), recoveryMayRun: false, chain: Promise.resolve() };
      states.set(name, state);
    }
    return state;
  }

  function clearTimer(state: NodeState): void {
    if (state.timer) clock.clearTimer(state.timer.handle);
    state.timer = undefined;
  }

  function enqueue(state: NodeState, task: () => Promise<void>): void {
    state.chain = state.chain.then(task).catch((error: unknown) => {
      logger.error('detector task failed', { error: errorText(error) });
    });
  }

  /** Re-judges one node from its cached object. Idempotent: called on every event and timer. */
  function reconcile(node: V1Node | undefined): void {
    if (!running) return;
    const view = nodeViewOf(node);
    if (!view) {
      logger.debug('ignoring a node object without a name');
      return;
    }
    const config = configSource.current();
    const now = clock.now();
    const state = stateOf(view.name);
    const previous = state.episode;
    state.episode = nextEpisode(previous, readyVerdict(view), now);
    if (!state.episode || (previous && state.episode.since !== previous.since)) {
      // Healthy again, or a new episode: whatever was pending belonged to the old one.
      clearTimer(state);
      state.reported = undefined;
      state.suppressionLogged = undefined;
    }
    if (state.episode) judgeEpisode(view, state, state.episode, config, now);
    judgePressure(view, state, config, now);
    if (state.recoveryMayRun && isHealthy(view)) {
      state.recoveryMayRun = false;
      signal(view.name, state, { observedAt: new Date(now).toISOString(), reason: 'Ready' });
    }
  }

  function judgeEpisode(
    view: NodeView,
    state: NodeState,
    episode: Episode,
    config: RecoveryConfig,
    now: number,
  ): void {
    const elapsedAt = episode.since + confirmationWindowMs(config);
    if (state.reported === undefined && now < elapsedAt) {
      if (state.timer?.at !== elapsedAt) {
        clearTimer(state);
        const handle = clock.setTimer(() => {
          state.timer = undefined;
          reconcile(informer.get(view.name));
        }, elapsedAt - now);
        state.timer = { handle, at: elapsedAt };
      }
      return;
    }
    clearTimer(state);
    // Reported once per episode, and again if the reason changes (NotReady → Unknown) as evidence.
    if (state.reported === episode.reason) return;
    report(view, state, config, now, {
      node: view.name,
      reason: episode.reason,
      since: episode.since,
      windowElapsedAt: elapsedAt,
      message: episode.message,
      totalNodes: informer.list().length,
      controlPlane: view.controlPlane,
    });
  }

  function judgePressure(view: NodeView, state: NodeState, config: RecoveryConfig, now: number): void {
    const pressure = pressureOf(view);
    for (const type of [...state.reportedPressure])
      if (!pressure.includes(type)) state.reportedPressure.delete(type);
    for (const type of pressure) {
      if (state.reportedPressure.has(type)) continue;
      const condition = view.conditions.find((c) => c.type === type);
      report(view, state, config, now, {
        node: view.name,
        reason: type,
        since: condition?.lastTransitionTime ?? now,
        windowElapsedAt: now,
        message: condition?.message ?? condition?.reason,
        totalNodes: informer.list().length,
        controlPlane: view.controlPlane,
      });
    }
  }

  /** Starts (or adds evidence to) the node's recovery unless the node opted out or a storm holds. */
  function report(
    view: NodeView,
    state: NodeState,
    config: RecoveryConfig,
    now: number,
    finding: NodeFinding,
  ): void {
    // Until the first LIST is complete the storm guard cannot know the cluster's size.
    if (!synced) return;
    const optedOut = optOutReason(view.labels, config.opt_out_label);
    const why = optedOut ? 'opted-out' : stormBlocks(storm, now) ? 'storm' : undefined;
    if (why) {
      const detail = optedOut ?? storm.reason;
      const key = `${finding.reason}:${why}`;
      if (state.suppressionLogged !== key) {
        state.suppressionLogged = key;
        counters.suppressed[why === 'storm' ? 'storm' : 'optedOut'] += 1;
        logger.info('finding suppressed', { node: finding.node, reason: finding.reason, why, detail });
        emit({ type: 'finding-suppressed', node: finding.node, reason: finding.reason, why, detail });
      }
      return;
    }
    markReported(state, finding.reason, true);
    state.recoveryMayRun = true;
    const input = recoveryInputFor(finding, config);
    logger.info('node problem confirmed; starting recovery', {
      node: finding.node,
      reason: finding.reason,
      since: new Date(finding.since).toISOString(),
      detail: finding.message,
    });
    enqueue(state, async () => {
      const actedAt = clock.now();
      counters.starts.calls += 1;
      try {
        const { workflowId, runId, declined } = await recoveries.start(input, finding.since);
        if (declined) {
          logger.info('recovery not started: a person took the node back during this failure episode', {
            node: finding.node,
            workflowId,
            runId,
          });
          emit({ type: 'recovery-declined', node: finding.node, reason: finding.reason, workflowId, runId });
          return;
        }
        const resolvedAt = clock.now();
        const record: RecoveryStartRecord = {
          node: finding.node,
          reason: finding.reason,
          workflowId,
          runId,
          windowElapsedAt: new Date(finding.windowElapsedAt).toISOString(),
          actedAt: new Date(actedAt).toISOString(),
          resolvedAt: new Date(resolvedAt).toISOString(),
          overheadMs: resolvedAt - finding.windowElapsedAt,
        };
        records.push(record);
        if (records.length > MAX_RECORDS) records.shift();
        if (state.retry) state.retry.delayMs = 0;
        logger.info('recovery started', {
          node: finding.node,
          workflowId,
          runId,
          overheadMs: record.overheadMs,
        });
        emit({ type: 'recovery-started', record });
      } catch (error) {
        counters.starts.failures += 1;
        markReported(state, finding.reason, false);
        const delayMs = Math.min(
          state.retry?.delayMs ? state.retry.delayMs * 2 : START_RETRY.initialMs,
          START_RETRY.maxMs,
        );
        logger.error('could not start recovery; will retry while the node stays unhealthy', {
          node: finding.node,
          reason: finding.reason,
          retryInMs: delayMs,
          error: errorText(error),
        });
        emit({
          type: 'recovery-start-failed',
          node: finding.node,
          reason: finding.reason,
          error: errorText(error),
        });
        if (state.retry) clock.clearTimer(state.retry.handle);
        const handle = clock.setTimer(() => reconcile(informer.get(finding.node)), delayMs);
        state.retry = { handle, delayMs };
      }
    });
  }

  function markReported(state: NodeState, reason: NodeFailureReason, reported: boolean): void {
    if (reason === 'MemoryPressure' || reason === 'DiskPressure') {
      if (reported) state.reportedPressure.add(reason);
      else state.reportedPressure.delete(reason);
    } else if (reported) state.reported = reason;
    else if (state.reported === reason) state.reported = undefined;
  }

  function signal(node: string, state: NodeState, evidence: Evidence): void {
    enqueue(state, async () => {
      let outcome: 'signalled' | 'not-found' | 'failed';
      try {
        outcome = await recoveries.signal(node, evidence);
      } catch (error) {
        // Best effort: the recovery also reads the node's health itself.
        outcome = 'failed';
        logger.warn('could not signal evidence', { node, reason: evidence.reason, error: errorText(error) });
      }
      counters.signals[
        outcome === 'signalled' ? 'signalled' : outcome === 'not-found' ? 'notFound' : 'failures'
      ] += 1;
      logger.info('evidence signalled', {
        node,
        reason: evidence.reason,
        message: evidence.message,
        outcome,
      });
      emit({ type: 'evidence-signalled', node, evidence, outcome });
    });
  }

  function forget(node: V1Node): void {
    const name = nodeViewOf(node)?.name;
    if (!name) return;
    const state = states.get(name);
    if (!state) return;
    clearTimer(state);
    if (state.retry) clock.clearTimer(state.retry.handle);
    states.delete(name);
    if (state.recoveryMayRun)
      signal(name, state, {
        observedAt: new Date(clock.now()).toISOString(),
        reason: 'Unknown',
        message: 'node deleted',
      });
  }

  function updateStorm(): void {
    if (!synced) return;
    const now = clock.now();
    const onsets = [...states.values()].flatMap((s) => (s.episode ? [s.episode.since] : []));
    const previous = storm;
    storm = evaluateStorm(previous, { onsets, total: states.size, now, config: configSource.current() });
    if (storm.active && !previous.active) {
      if (resumeTimer !== undefined) clock.clearTimer(resumeTimer);
      resumeTimer = undefined;
      logger.error('remediation storm: no new node remediation starts', { severity: 'critical', ...storm });
      void kubernetes.events.record({
        involvedObject: alertTarget,
        type: 'Warning',
        reason: 'RemediationStorm',
        message: `${storm.reason}; no new node remediation starts until it clears and the cooldown passes`,
      });
      emit({ type: 'storm', phase: 'started', state: storm });
    } else if (!storm.active && previous.active) {
      logger.warn('remediation storm cleared; cooldown before remediation resumes', { ...storm });
      void kubernetes.events.record({
        involvedObject: alertTarget,
        type: 'Normal',
        reason: 'RemediationStormCleared',
        message: storm.reason,
      });
      emit({ type: 'storm', phase: 'cleared', state: storm });
      resumeTimer = clock.setTimer(resume, Math.max(0, (storm.resumeAt ?? now) - now));
    }
  }

  function resume(): void {
    resumeTimer = undefined;
    logger.info('remediation resumes after the storm cooldown', { ...storm });
    emit({ type: 'storm', phase: 'resumed', state: storm });
    reconcileAll();
  }

  function reconcileAll(): void {
    for (const node of informer.list()) reconcile(node);
    updateStorm();
  }

  informer.on('add', (node) => {
    reconcile(node);
    updateStorm();
  });
  informer.on('update', (node) => {
    reconcile(node);
    updateStorm();
  });
  informer.on('delete', (node) => {
    forget(node);
    updateStorm();
  });

  return {
    async start() {
      if (running) return;
      running = true;
      unsubscribeConfig = configSource.onChange((config) => {
        logger.info('config changed; re-judging nodes', {
          windowSeconds: confirmationWindowMs(config) / 1000,
          optOutLabel: config.opt_out_label,
        });
        updateStorm();
        reconcileAll();
      });
      await informer.start();
      synced = true;
      // Storm first, so nodes found failed at start-up are judged against the cluster as a whole.
      updateStorm();
      reconcileAll();
      logger.info('detector started', {
        nodes: states.size,
        windowSeconds: confirmationWindowMs(configSource.current()) / 1000,
      });
    },
    async stop() {
      running = false;
      synced = false;
      unsubscribeConfig?.();
      await informer.stop();
      if (resumeTimer !== undefined) clock.clearTimer(resumeTimer);
      for (const state of states.values()) {
        clearTimer(state);
        if (state.retry) clock.clearTimer(state.retry.handle);
      }
      await Promise.all([...states.values()].map((s) => s.chain));
    },
    stats() {
      const now = clock.now();
      return {
        running,
        synced,
        nodes: states.size,
        unhealthy: [...states.entries()].flatMap(([node, s]) =>
          s.episode
            ? [
                {
                  node,
                  reason: s.episode.reason,
                  since: new Date(s.episode.since).toISOString(),
                  reported: s.reported !== undefined,
                },
              ]
            : [],
        ),
        storm: { ...storm, blocking: stormBlocks(storm, now) },
        starts: { ...counters.starts },
        signals: { ...counters.signals },
        suppressed: { ...counters.suppressed },
        recoveries: [...records],
        informer: informer.stats(),
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
