/**
 * A Service's performance findings (`response_time`, `error_rate`) start the Service's recovery
 * besides their routed alert, with the finding's type and summary, when
 * `service.recover_performance` is on; their clearing signals the recovery `Ready`. Other rules
 * and targets only alert. The alert's own Temporal calls go to a stub client.
 */
import type { Client } from '@temporalio/client';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { AnalysisFinding } from '../../src/domain';
import { silentLogger } from '../../src/logging';
import { temporalAnalysisAlerts } from '../../src/starter/detector';
import { FakeServiceGateway } from '../support/service-source-fakes';
import { ManualClock, flush } from '../support/pod-source-fakes';

function setup(configData: Record<string, string> = {}) {
  const alertsStarted: string[] = [];
  const client = {
    workflow: {
      signalWithStart: async (_workflow: unknown, options: { workflowId: string }) => {
        alertsStarted.push(options.workflowId);
        return { workflowId: options.workflowId, signaledRunId: 'run-1' };
      },
      getHandle: () => ({ signal: async () => undefined }),
    },
  } as unknown as Client;
  const services = new FakeServiceGateway(new ManualClock());
  const alerts = temporalAnalysisAlerts({
    client,
    taskQueue: 'test',
    configSource: staticConfigSource(parseRecoveryConfig(configData)),
    logger: silentLogger,
    services,
  });
  return { alerts, services, alertsStarted };
}

const errorRate: AnalysisFinding = {
  rule: 'error_rate',
  type: 'threshold',
  target: { kind: 'service', namespace: 'shop', name: 'api' },
  severity: 'warning',
  evidence: { value: 12, threshold: 5 },
  summary: 'error rate of service shop/api is 12 % (threshold 5 %)',
};

test('an error_rate finding on a Service alerts and starts its recovery with the type and summary', async () => {
  const s = setup();
  s.alerts.alert(errorRate);
  await flush();
  expect(s.alertsStarted).toEqual(['analysis/error_rate/service/shop/api']);
  expect(s.services.starts).toEqual([
    expect.objectContaining({
      service: { namespace: 'shop', name: 'api' },
      reason: 'threshold',
      message: errorRate.summary,
      policy: expect.objectContaining({ restartAttempts: 3 }),
    }),
  ]);
});

test('a response_time finding starts it too; its clearing signals Ready', async () => {
  const s = setup();
  s.alerts.alert({ ...errorRate, rule: 'response_time', type: 'anomaly' });
  s.alerts.cleared('response_time', errorRate.target);
  await flush();
  expect(s.services.starts.map((i) => i.reason)).toEqual(['anomaly']);
  expect(s.services.readiesOf('shop/api')).toHaveLength(1);
});

test('other rules, other kinds of target, and recover_performance off only alert', async () => {
  const s = setup();
  s.alerts.alert({ ...errorRate, rule: 'cpu' });
  s.alerts.alert({ ...errorRate, target: { kind: 'workload', namespace: 'shop', name: 'api' } });
  s.alerts.cleared('cpu', errorRate.target);
  const off = setup({ 'service.recover_performance': 'false' });
  off.alerts.alert(errorRate);
  off.alerts.cleared('error_rate', errorRate.target);
  await flush();
  expect(s.alertsStarted).toHaveLength(2);
  expect(off.alertsStarted).toHaveLength(1);
  expect([...s.services.starts, ...off.services.starts]).toEqual([]);
  expect([...s.services.signals, ...off.services.signals]).toEqual([]);
});
