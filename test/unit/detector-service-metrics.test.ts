/**
 * The service source in the detector's metrics: a started Service recovery counts its finding by
 * rule (`service_no_endpoints`, `service_connectivity`), each connectivity check counts by result,
 * and both series exist from 0.
 */
import type { Client } from '@temporalio/client';
import { silentLogger } from '../../src/logging';
import { createMetricsRegistry, registerDetectorMetrics } from '../../src/metrics';
import type { DetectorEvent, DetectorStats } from '../../src/starter/detector';

function setup() {
  const registry = createMetricsRegistry();
  let emit: (event: DetectorEvent) => void = () => undefined;
  registerDetectorMetrics({
    registry,
    detector: {
      stats: () => ({}) as DetectorStats,
      subscribe: (listener) => {
        emit = listener;
        return () => undefined;
      },
    },
    client: {} as Client,
    taskQueue: 'test',
    logger: silentLogger,
  });
  const value = async (name: string, labels: Record<string, string>) => {
    const metric = await registry.getSingleMetric(name)?.get();
    const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return found?.value;
  };
  return { emit: (e: DetectorEvent) => emit(e), value };
}

const record = (reason: 'NoReadyEndpoints' | 'ConnectivityFailed') => ({
  service: 'shop/web',
  reason,
  workflowId: 'service-recovery/shop/web',
  runId: 'run-1',
  firedAt: '2026-03-01T12:00:00.000Z',
  resolvedAt: '2026-03-01T12:00:00.100Z',
  overheadMs: 100,
});

test('Service findings count by rule, from 0', async () => {
  const m = setup();
  expect(await m.value('self_healing_detector_findings_total', { rule: 'service_no_endpoints' })).toBe(0);
  expect(await m.value('self_healing_detector_findings_total', { rule: 'service_connectivity' })).toBe(0);
  m.emit({ type: 'service-recovery-started', record: record('NoReadyEndpoints') });
  m.emit({ type: 'service-recovery-started', record: record('ConnectivityFailed') });
  m.emit({ type: 'service-recovery-started', record: record('ConnectivityFailed') });
  expect(await m.value('self_healing_detector_findings_total', { rule: 'service_no_endpoints' })).toBe(1);
  expect(await m.value('self_healing_detector_findings_total', { rule: 'service_connectivity' })).toBe(2);
});

test('connectivity checks count by result, from 0', async () => {
  const m = setup();
  expect(await m.value('self_healing_service_checks_total', { result: 'failed' })).toBe(0);
  m.emit({ type: 'service-checked', service: 'shop/web', ok: true, failures: [] });
  m.emit({ type: 'service-checked', service: 'shop/web', ok: false, failures: ['10.0.0.1:8080: HTTP 503'] });
  m.emit({ type: 'service-checked', service: 'shop/db', ok: true, failures: [] });
  expect(await m.value('self_healing_service_checks_total', { result: 'ok' })).toBe(2);
  expect(await m.value('self_healing_service_checks_total', { result: 'failed' })).toBe(1);
});
