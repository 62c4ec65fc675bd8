/**
 * Recoveries as the worker's metrics see them, without Temporal or a cluster: each one calls the
 * workflows' sink (started, humans, escalations, finished) and the adapters' observers (Kubernetes
 * calls with their limiter waits, notification deliveries) as a real recovery would. Seeded, so a run
 * is repeatable; every recovery has its own workflow ID, so a label taken from it would show.
 */
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { KubernetesCallObserver, KubernetesVerb } from '../src/activities/kubernetes/api-metrics';
import type { DeliveryObserver } from '../src/activities/notify/delivery-metrics';
import type { TargetKind } from '../src/domain';
import type { HumanAnswer, RecoveryMetricsSinks } from '../src/workflows/sinks';
import { seededRandom } from '../tools/sim/series';

/** Where a worker's recoveries report: the sink and the two observers its entrypoint installs. */
export interface WorkerMetricFeeds {
  sinks: InjectedSinks<RecoveryMetricsSinks>;
  kubernetes: KubernetesCallObserver;
  deliveries: DeliveryObserver;
}

/** What a simulation fed in. */
export interface SimulationTally {
  recoveries: number;
  humansAsked: number;
  escalated: number;
  kubernetesCalls: number;
  notifications: number;
}

type Random = () => number;
export { seededRandom };
type Weighted<T> = readonly (readonly [T, number])[];

function pick<T>(random: Random, options: Weighted<T>): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let left = random() * total;
  for (const [value, weight] of options) {
    left -= weight;
    if (left < 0) return value;
  }
  return options[options.length - 1]![0];
}

/** Uniform in log space between `low` and `high`: as many 5–50 s recoveries as 12–120 min ones. */
function logUniform(random: Random, low: number, high: number): number {
  return low * (high / low) ** random();
}

const OUTCOMES: Record<TargetKind, Weighted<string>> = {
  node: [
    ['recovered', 50],
    ['replaced', 15],
    ['healed', 15],
    ['gone', 5],
    ['skipped', 10],
    ['stopped', 5],
  ],
  workload: [
    ['recovered', 45],
    ['healed', 25],
    ['gone', 5],
    ['skipped', 10],
    ['stopped', 5],
    ['reported', 10],
  ],
  service: [
    ['recovered', 50],
    ['healed', 25],
    ['skipped', 5],
    ['reported', 10],
    ['escalated', 10],
  ],
  analysis: [
    ['cleared', 80],
    ['expired', 20],
  ],
};

const ANSWERS: Weighted<HumanAnswer> = [
  ['approved', 70],
  ['rejected', 15],
  ['timed_out', 15],
];

/** The worker's calls, by verb (no watches: those are the detector's). */
const VERBS: Weighted<KubernetesVerb> = [
  ['get', 40],
  ['list', 15],
  ['patch', 10],
  ['evict', 15],
  ['create', 10],
  ['update', 4],
  ['delete', 5],
  ['deletecollection', 1],
];

/** The usual answers per verb; on top, 0.3 % 500 and 0.2 % no answer at all. */
const CODES: Partial<Record<KubernetesVerb, Weighted<string>>> = {
  get: [
    ['200', 92],
    ['404', 8],
  ],
  evict: [
    ['201', 80],
    ['429', 15],
    ['404', 5],
  ],
  create: [
    ['201', 90],
    ['409', 10],
  ],
  update: [
    ['200', 90],
    ['409', 10],
  ],
  patch: [
    ['200', 97],
    ['422', 3],
  ],
};

function callCode(random: Random, verb: KubernetesVerb): string {
  const r = random();
  if (r < 0.002) return 'error';
  if (r < 0.005) return '500';
  return pick(random, CODES[verb] ?? [['200', 1]]);
}

function kubernetesCalls(random: Random, observer: KubernetesCallObserver): number {
  const calls = 40 + Math.floor(random() * 21);
  for (let i = 0; i < calls; i++) {
    const throttled = random() < 0.05;
    observer.limiterWait(throttled ? logUniform(random, 0.05, 2) : logUniform(random, 0.00001, 0.002));
    const verb = pick(random, VERBS);
    observer.request(verb, callCode(random, verb), logUniform(random, 0.002, 0.5));
  }
  return calls;
}

function deliver(random: Random, observer: DeliveryObserver, channel: string): number {
  // A failed attempt is retried by the workflow until it goes through.
  let attempts = 1;
  while (random() < 0.03) {
    observer(channel, 'failed');
    attempts++;
  }
  observer(channel, 'delivered');
  return attempts;
}

/** Feeds `count` recoveries, numbered from `first`, into a worker's metrics. */
export function simulateRecoveries(
  feeds: WorkerMetricFeeds,
  count: number,
  random: Random,
  first = 0,
): SimulationTally {
  // The sink's functions may return a promise in general; the product's are synchronous.
  const m = feeds.sinks.recoveryMetrics;
  const tally: SimulationTally = {
    recoveries: 0,
    humansAsked: 0,
    escalated: 0,
    kubernetesCalls: 0,
    notifications: 0,
  };
  for (let i = first; i < first + count; i++) {
    const kind: TargetKind = random() < 0.6 ? 'node' : 'workload';
    const info = { workflowId: `${kind}-recovery/target-${i}`, runId: `run-${i}` } as unknown as WorkflowInfo;
    void m.started.fn(info, kind);
    tally.notifications += deliver(random, feeds.deliveries, 'slack');
    const answer = random() < 0.2 ? pick(random, ANSWERS) : undefined;
    if (answer) {
      tally.humansAsked++;
      tally.notifications += deliver(random, feeds.deliveries, 'slack');
      void m.humanAnswered.fn(info, kind, answer, logUniform(random, 10, 7200));
    }
    const levels = random() < 0.05 ? 1 + Math.floor(random() * 3) : 0;
    for (let level = 1; level <= levels; level++) {
      void m.escalated.fn(info, kind, level);
      tally.notifications += deliver(random, feeds.deliveries, level === 1 ? 'slack' : 'pagerduty');
      tally.notifications += deliver(random, feeds.deliveries, 'email');
    }
    if (levels > 0) tally.escalated++;
    tally.kubernetesCalls += kubernetesCalls(random, feeds.kubernetes);
    const outcome =
      levels > 0 ? 'escalated' : answer === 'rejected' ? 'stopped' : pick(random, OUTCOMES[kind]);
    void m.finished.fn(info, kind, outcome, logUniform(random, 5, 7200));
    tally.notifications += deliver(random, feeds.deliveries, 'slack');
    if (random() < 0.3) tally.notifications += deliver(random, feeds.deliveries, 'email');
    tally.recoveries++;
  }
  return tally;
}
