/**
 * The detector's metrics: findings by rule, flaps suppressed, the lag from a finding being due to
 * its recovery started, its watches (up, restarts, last event), the storm guard, and, read at
 * scrape time from Temporal, the disruption budgets and the recoveries running or awaiting approval.
 */
import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { InformerStats } from '../activities/kubernetes/watch';
import type { ServiceFailureReason } from '../domain';
import { NodeFailureReasons, PodFailureReasons, TargetKinds } from '../domain';
import type { Logger } from '../logging';
import { errorText } from '../logging';
import type { Detector, DetectorEvent, DetectorStats } from '../starter/detector';
import { budgetStatusQuery } from '../workflows/messages';
import { disruptionBudgetWorkflowId } from '../workflows/ids';
import { SHORT_SECONDS } from './registry';

/** The `rule` of a Service finding in `self_healing_detector_findings_total`. */
export const ServiceFindingRules = {
  NoReadyEndpoints: 'service_no_endpoints',
  ConnectivityFailed: 'service_connectivity',
} as const satisfies Record<ServiceFailureReason, string>;

/** The budget scopes the recoveries use (see the workflows' `permit.acquire`). */
const BUDGET_SCOPES = ['nodes', 'control-plane', 'workloads'] as const;

export interface DetectorMetricsOptions {
  registry: Registry;
  detector: Pick<Detector, 'stats' | 'subscribe'>;
  client: Client;
  taskQueue: string;
  logger: Logger;
}

export function registerDetectorMetrics(options: DetectorMetricsOptions): void {
  const { registry, detector } = options;
  const registers = [registry];
  const findings = new Counter({
    name: 'self_healing_detector_findings_total',
    help: 'Confirmed failures, by rule (the failure reason).',
    labelNames: ['rule'],
    registers,
  });
  const falsePositives = new Counter({
    name: 'self_healing_false_positives_total',
    help: 'Detections that needed nothing: here, failures that cleared within their confirmation window.',
    labelNames: ['kind', 'reason'],
    registers,
  });
  const lag = new Histogram({
    name: 'self_healing_detector_event_lag_seconds',
    help: "Time from a finding being due (its confirmation window elapsed) to its recovery's start answered by Temporal.",
    labelNames: ['kind'],
    buckets: SHORT_SECONDS,
    registers,
  });
  const checks = new Counter({
    name: 'self_healing_service_checks_total',
    help: "Connectivity checks of a Service's ready endpoints, by result (ok: every endpoint answered as expected).",
    labelNames: ['result'],
    registers,
  });
  // Every known series from 0, so a first finding shows in rate() and increase().
  const rules = [...NodeFailureReasons, ...PodFailureReasons, ...Object.values(ServiceFindingRules)];
  for (const rule of rules) findings.inc({ rule }, 0);
  falsePositives.inc({ kind: 'node', reason: 'flap_suppressed' }, 0);
  for (const result of ['ok', 'failed']) checks.inc({ result }, 0);
  detector.subscribe((event) => countEvent(event, { findings, falsePositives, lag, checks }));
  registerWatchMetrics(registry, () => informersOf(detector.stats()));
  registerStormMetrics(registry, () => detector.stats());
  registerTemporalMetrics(options);
}

function countEvent(
  event: DetectorEvent,
  m: { findings: Counter; falsePositives: Counter; lag: Histogram; checks: Counter },
): void {
  switch (event.type) {
    case 'recovery-started':
      m.findings.inc({ rule: event.record.reason });
      m.lag.observe({ kind: 'node' }, event.record.overheadMs / 1000);
      break;
    case 'workload-recovery-started':
      m.findings.inc({ rule: event.record.reason });
      m.lag.observe({ kind: 'workload' }, event.record.overheadMs / 1000);
      break;
    case 'service-recovery-started':
      m.findings.inc({ rule: ServiceFindingRules[event.record.reason] });
      m.lag.observe({ kind: 'service' }, event.record.overheadMs / 1000);
      break;
    case 'service-checked':
      m.checks.inc({ result: event.ok ? 'ok' : 'failed' });
      break;
    case 'finding-suppressed':
      m.findings.inc({ rule: event.reason });
      break;
    case 'flap-suppressed':
      m.falsePositives.inc({ kind: event.kind, reason: 'flap_suppressed' });
      break;
    default:
      break;
  }
}

function informersOf(stats: DetectorStats): Record<string, InformerStats> {
  return {
    nodes: stats.informer,
    ...(stats.pods
      ? {
          pods: stats.pods.informers.pods,
          replicasets: stats.pods.informers.replicaSets,
          namespaces: stats.pods.informers.namespaces,
        }
      : {}),
    ...(stats.storage ? { events: stats.storage.informer } : {}),
    ...(stats.services
      ? {
          services: stats.services.informers.services,
          endpointslices: stats.services.informers.endpointSlices,
        }
      : {}),
  };
}

function registerWatchMetrics(registry: Registry, informers: () => Record<string, InformerStats>): void {
  const registers = [registry];
  new Counter({
    name: 'self_healing_detector_watch_restarts_total',
    help: 'Watches restarted after an error, by resource.',
    labelNames: ['resource'],
    registers,
    collect() {
      this.reset();
      for (const [resource, s] of Object.entries(informers())) this.inc({ resource }, s.restarts);
    },
  });
  new Counter({
    name: 'self_healing_detector_lists_total',
    help: 'Full LISTs issued, by resource: one at start-up, then one per expired resourceVersion.',
    labelNames: ['resource'],
    registers,
    collect() {
      this.reset();
      for (const [resource, s] of Object.entries(informers())) this.inc({ resource }, s.lists);
    },
  });
  new Gauge({
    name: 'self_healing_detector_watch_up',
    help: 'Whether the watch of a resource is synced and not failing (1) or not (0).',
    labelNames: ['resource'],
    registers,
    collect() {
      for (const [resource, s] of Object.entries(informers()))
        this.set({ resource }, s.synced && !s.failing ? 1 : 0);
    },
  });
  new Gauge({
    name: 'self_healing_detector_last_event_timestamp_seconds',
    help: 'When the watch of a resource last delivered an event or bookmark (Unix seconds).',
    labelNames: ['resource'],
    registers,
    collect() {
      for (const [resource, s] of Object.entries(informers()))
        if (s.lastEventAt !== undefined) this.set({ resource }, s.lastEventAt / 1000);
    },
  });
}

function registerStormMetrics(registry: Registry, stats: () => DetectorStats): void {
  const registers = [registry];
  new Gauge({
    name: 'self_healing_storm_active',
    help: 'Whether the storm guard holds node remediation back (1) or not (0).',
    registers,
    collect() {
      this.set(stats().storm.blocking ? 1 : 0);
    },
  });
  new Gauge({
    name: 'self_healing_storm_unhealthy_nodes',
    help: 'Nodes in an unhealthy episode, as the storm guard counts them.',
    registers,
    collect() {
      this.set(stats().unhealthy.length);
    },
  });
}

/** Read from Temporal at scrape time: the budgets' queries and visibility counts. */
function registerTemporalMetrics({ registry, client, taskQueue, logger }: DetectorMetricsOptions): void {
  const registers = [registry];
  const warn = (what: string) => (error: unknown) =>
    logger.debug('metrics: could not read from Temporal', { what, error: errorText(error) });
  const budgetGauge = (name: string, help: string, value: (s: BudgetNumbers) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['scope'],
      registers,
      async collect() {
        this.reset();
        for (const [scope, s] of (await budgets(client, taskQueue).catch(warn('budgets'))) ?? [])
          this.set({ scope }, value(s));
      },
    });
  budgetGauge(
    'self_healing_budget_limit',
    'Recoveries the disruption budget lets run at once, by scope.',
    (s) => s.limit,
  );
  budgetGauge(
    'self_healing_budget_holders',
    'Recoveries holding a permit of the disruption budget, by scope.',
    (s) => s.holders,
  );
  budgetGauge(
    'self_healing_budget_waiters',
    'Recoveries waiting for a permit of the disruption budget, by scope.',
    (s) => s.waiting,
  );
  const countGauge = (name: string, help: string, extra: string) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers,
      async collect() {
        for (const kind of TargetKinds) {
          const query = `ExecutionStatus = 'Running' AND SelfHealingKind = '${kind}'${extra}`;
          const count = await client.workflow.count(query).catch(warn(name));
          if (count) this.set({ kind }, count.count);
        }
      },
    });
  countGauge('self_healing_recoveries_running', 'Open recoveries, by kind (Temporal visibility).', '');
  countGauge(
    'self_healing_recoveries_awaiting_approval',
    "Open recoveries waiting for a human's decision, by kind (Temporal visibility).",
    " AND SelfHealingPhase = 'AwaitingApproval'",
  );
}

interface BudgetNumbers {
  limit: number;
  holders: number;
  waiting: number;
}

async function budgets(client: Client, taskQueue: string): Promise<[string, BudgetNumbers][]> {
  const answers = await Promise.all(
    BUDGET_SCOPES.map(async (scope) => {
      const handle = client.workflow.getHandle(disruptionBudgetWorkflowId(scope, taskQueue));
      try {
        const s = await handle.query(budgetStatusQuery);
        return [[scope, { limit: s.limit, holders: s.holders.length, waiting: s.waiting.length }]] as const;
      } catch {
        return []; // no budget of that scope runs (yet)
      }
    }),
  );
  return answers.flat().map(([scope, numbers]) => [scope, numbers]);
}
