/**
 * The worker's metrics keep a bounded number of series however many recoveries they count (no
 * label takes a target's or a workflow's name), and the endpoint serves them in Prometheus' text
 * format at GET /metrics only. The cost in numbers: bench/metrics-endpoint.ts.
 */
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Registry } from 'prom-client';
import type { KubernetesVerb } from '../../src/activities/kubernetes/api-metrics';
import { EscalationLevels, TargetKinds } from '../../src/domain';
import type { MetricsEndpoint } from '../../src/metrics';
import {
  createMetricsRegistry,
  kubernetesCallMetrics,
  recoveryMetricsSinks,
  serveMetrics,
} from '../../src/metrics';
import { deliveryMetrics } from '../../src/metrics/notifications';
import type { HumanAnswer } from '../../src/workflows/sinks';

const OUTCOMES = ['recovered', 'replaced', 'healed', 'gone', 'skipped', 'stopped', 'reported', 'escalated'];
const ANSWERS: HumanAnswer[] = ['approved', 'rejected', 'timed_out', 'acknowledged'];
const VERBS: KubernetesVerb[] = ['get', 'list', 'create', 'update', 'patch', 'delete', 'evict'];
const CODES = ['200', '201', '404', '409', '429', '500', 'error'];

function workerMetrics(registry: Registry) {
  return {
    sinks: recoveryMetricsSinks(registry).recoveryMetrics,
    kubernetes: kubernetesCallMetrics(registry),
    deliveries: deliveryMetrics(registry),
  };
}

/**
 * Recoveries `first`… through every combination the labels allow: each kind ends once with every
 * outcome, hears every answer, reaches every escalation level, makes every call with every status
 * and delivers on every channel, each as its own recovery with its own workflow ID. (The sink's
 * functions may return a promise in general; the product's are synchronous.)
 */
function recoveries(metrics: ReturnType<typeof workerMetrics>, first: number): number {
  let id = first;
  for (const kind of TargetKinds)
    for (const outcome of OUTCOMES) {
      const info = {
        workflowId: `${kind}-recovery/target-${id}`,
        runId: `run-${id++}`,
      } as unknown as WorkflowInfo;
      void metrics.sinks.started.fn(info, kind);
      for (const answer of ANSWERS) void metrics.sinks.humanAnswered.fn(info, kind, answer, 10 + (id % 7000));
      for (const level of EscalationLevels) void metrics.sinks.escalated.fn(info, kind, level);
      for (const verb of VERBS)
        for (const code of CODES) metrics.kubernetes.request(verb, code, (id % 500) / 1000);
      metrics.kubernetes.limiterWait((id % 100) / 1000);
      for (const channel of ['slack', 'email', 'pagerduty'])
        for (const result of ['delivered', 'failed', 'skipped'] as const) metrics.deliveries(channel, result);
      void metrics.sinks.finished.fn(info, kind, outcome, 5 + (id % 7200));
    }
  return id;
}

/** The product's sample lines (the process and Node.js metrics vary with the process, not with us). */
async function productSeries(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith('self_healing_'));
}

describe('metrics cardinality', () => {
  it('the series stop growing once every label combination was seen, however many recoveries follow', async () => {
    const registry = createMetricsRegistry();
    const metrics = workerMetrics(registry);
    let next = recoveries(metrics, 0);
    const afterFirst = await productSeries(registry);
    for (let round = 0; round < 200; round++) next = recoveries(metrics, next);
    const afterAll = await productSeries(registry);

    expect(next).toBeGreaterThan(3000);
    expect(afterAll.length).toBe(afterFirst.length);
    expect(afterAll.map((line) => line.slice(0, line.lastIndexOf(' ')))).toEqual(
      afterFirst.map((line) => line.slice(0, line.lastIndexOf(' '))),
    );
    expect(afterAll.filter((line) => /target-|run-/.test(line))).toEqual([]);
    expect(afterAll).toContain(
      `self_healing_recoveries_started_total{kind="node"} ${next / TargetKinds.length}`,
    );
  });

  it('only the first recoveries add series: the ones after them change values, not lines', async () => {
    const registry = createMetricsRegistry();
    const metrics = workerMetrics(registry);
    const before = (await productSeries(registry)).length;
    recoveries(metrics, 0);
    const grown = (await productSeries(registry)).length;
    recoveries(metrics, 1000);

    expect(grown).toBeGreaterThan(before);
    expect((await productSeries(registry)).length).toBe(grown);
  });
});

describe('metrics endpoint', () => {
  let endpoint: MetricsEndpoint;
  beforeAll(async () => {
    const registry = createMetricsRegistry();
    recoveries(workerMetrics(registry), 0);
    endpoint = await serveMetrics(registry, '127.0.0.1', 0);
  });
  afterAll(() => endpoint.close());

  it('answers GET /metrics with 200 in the Prometheus text format', async () => {
    const response = await fetch(`http://${endpoint.address}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body).toContain('# TYPE self_healing_recoveries_started_total counter');
    expect(body).toContain('process_cpu_seconds_total');
  });

  it('answers 404 to any other path or method', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/metricsx', 'GET'],
      ['/metrics', 'POST'],
    ] as const) {
      const response = await fetch(`http://${endpoint.address}${path}`, { method });
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 404 });
      await response.text();
    }
  });
});
