/**
 * Service recovery on the time-skipping server: dependencies first (a chain, a diamond recovered
 * once, a cycle reported), the restart strategy's attempts 30 s apart, scaling up to the cap and
 * back to the floor with its cooldown, an HPA left alone, failover and its switch back only after
 * the stable window, failover refused to an unhealthy secondary, and failed verification
 * escalated. Services are simulated at the activity boundary (test/support/fake-services.ts); the
 * disruption budget, child workflows and joins are real.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { recoveryMetricsSinks } from '../../src/metrics';
import { createRecoveryActivities } from '../../src/activities/recoveries';
import type { Alert, ServiceRecoveryPolicy, ServiceRecoveryResult } from '../../src/domain';
import { workflowsPath } from '../../src/worker/create-worker';
import { disruptionBudgetWorkflowId, serviceRecoveryWorkflowId } from '../../src/workflows/ids';
import { serviceRecoveryWorkflow } from '../../src/workflows/service/service-recovery';
import { FakeServices, NS } from '../support/fake-services';
import { recordHistory } from '../support/histories';
import { budgetAndAlertActivities, endRecoverySuite } from '../support/recovery-activities';
import { bundleWorkflows, createTimeSkippingEnv } from '../support/temporal';

const taskQueue = 'service-recovery-tests';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let cluster: FakeServices;
let alerts: Alert[];

const policy: ServiceRecoveryPolicy = {
  dryRun: false,
  restartAttempts: 3,
  restartInterval: '30 seconds',
  stableWindow: '30 seconds',
  recoveryTimeout: '5 minutes',
  approvalTimeout: '30 minutes',
  maxConcurrent: 5,
  scaling: { upThreshold: 5, downThreshold: 1, cooldown: '2 minutes', watchFor: '30 minutes' },
  failoverStableWindow: '2 minutes',
  workload: {
    dryRun: false,
    restartAttempts: 3,
    restartInterval: '30 seconds',
    rollbackWindow: '30 minutes',
    rollbackRequiresApproval: false,
    memoryFactor: 1.5,
    memoryCapBytes: 4 * 2 ** 30,
    stableWindow: '1 minute',
    recoveryTimeout: '5 minutes',
    approvalTimeout: '30 minutes',
    cooldown: '10 minutes',
    maxRemediationsPerHour: 3,
    maxConcurrent: 5,
  },
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const activities: Record<string, (...args: never[]) => Promise<unknown>> = {
    ...Object.fromEntries(
      [
        'inspectService',
        'checkConnectivity',
        'serviceHealth',
        'measurePerformance',
        'selectorHealth',
        'switchServiceSelector',
        'workloadScale',
        'scaleWorkload',
        'recordServiceEvent',
        'dependencyGraph',
        'workloadHealth',
        'remediateWorkload',
      ].map((name) => [name, (...a: never[]) => call(name, a)]),
    ),
    ...createRecoveryActivities(),
    ...budgetAndAlertActivities(env, taskQueue, (alert) => alerts.push(alert)),
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(workflowsPath),
    activities,
    sinks: recoveryMetricsSinks(new Registry()),
  });
  running = worker.run();
});

function call(name: string, args: unknown[]): Promise<unknown> {
  const fns = cluster.activities() as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  return fns[name]!(...args);
}

afterAll(() => endRecoverySuite(env, disruptionBudgetWorkflowId('services', taskQueue), worker, running));

const started: WorkflowHandle[] = [];
afterEach(async () => {
  for (const handle of started.splice(0))
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
});

let suffix = 0;
/** Each test's Services get names of their own: workflow IDs are per Service. */
function given(): { cluster: FakeServices; name: (n: string) => string } {
  cluster = new FakeServices();
  alerts = [];
  const id = (suffix++).toString(36);
  return { cluster, name: (n) => `${n}-${id}` };
}

async function recover(
  name: string,
  overrides: Partial<ServiceRecoveryPolicy> = {},
  reason: 'ConnectivityFailed' | 'threshold' = 'ConnectivityFailed',
  fixture?: string,
): Promise<ServiceRecoveryResult> {
  const service = { namespace: NS, name };
  const handle = await env.client.workflow.start(serviceRecoveryWorkflow, {
    taskQueue,
    workflowId: serviceRecoveryWorkflowId(service),
    args: [{ service, reason, detectedAt: new Date().toISOString(), policy: { ...policy, ...overrides } }],
  });
  started.push(handle);
  const result = await handle.result();
  if (fixture) await recordHistory(handle, fixture);
  return result;
}

const seconds = (a: number, b: number) => (b - a) / 1000;

describe('dependencies first', () => {
  test('a chain: the broken root is recovered first, then each Service above it, each verified', async () => {
    const { cluster, name } = given();
    cluster
      .add(name('front'), { dependsOn: [name('api')] })
      .add(name('api'), { dependsOn: [name('db')] })
      .add(name('db'), { brokenUntilRestarts: 1 });
    const result = await recover(
      name('front'),
      {},
      'ConnectivityFailed',
      'service-recovery-dependencies-first.json',
    );
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'dependencies' });
    expect(result.dependencies).toEqual({ [`Service/${NS}/${name('api')}`]: 'recovered' });
    // Only the root was restarted; the Services above it recovered when it did.
    expect(cluster.restartsOf(name('db'))).toBe(1);
    expect(cluster.restartsOf(name('api'))).toBe(0);
    expect(cluster.restartsOf(name('front'))).toBe(0);
    const api = await env.client.workflow
      .getHandle(serviceRecoveryWorkflowId({ namespace: NS, name: name('api') }))
      .result();
    expect(api).toMatchObject({
      outcome: 'recovered',
      dependencies: { [`Service/${NS}/${name('db')}`]: 'recovered' },
    });
  });

  test('a diamond: the shared dependency is recovered once, the second dependent joining its recovery', async () => {
    const { cluster, name } = given();
    cluster
      .add(name('top'), { dependsOn: [name('left'), name('right')] })
      .add(name('left'), { dependsOn: [name('base')] })
      .add(name('right'), { dependsOn: [name('base')] })
      .add(name('base'), { brokenUntilRestarts: 1 });
    const result = await recover(name('top'));
    expect(result.outcome).toBe('recovered');
    expect(result.dependencies).toEqual({
      [`Service/${NS}/${name('left')}`]: 'recovered',
      [`Service/${NS}/${name('right')}`]: 'recovered',
    });
    expect(cluster.restartsOf(name('base'))).toBe(1);
    const actionsOf = async (n: string) =>
      (
        await env.client.workflow
          .getHandle(serviceRecoveryWorkflowId({ namespace: NS, name: name(n) }))
          .result()
      ).actions.join('\n');
    const both = [await actionsOf('left'), await actionsOf('right')];
    expect(
      both.filter((a) => a.includes(`started the recovery of dependency ${NS}/${name('base')}`)),
    ).toHaveLength(1);
    expect(
      both.filter((a) => a.includes(`joined the recovery of dependency ${NS}/${name('base')}`)),
    ).toHaveLength(1);
  });

  test('a cycle is reported naming it, and nothing in it is recovered', async () => {
    const { cluster, name } = given();
    cluster
      .add(name('a'), { dependsOn: [name('b')] })
      .add(name('b'), { dependsOn: [name('c')] })
      .add(name('c'), { dependsOn: [name('a')], brokenUntilRestarts: 1 });
    const result = await recover(name('a'));
    expect(result.outcome).toBe('reported');
    const key = (n: string) => `Service/${NS}/${name(n)}`;
    expect(result.actions.join('\n')).toContain(
      `dependency cycle ${key('a')} → ${key('b')} → ${key('c')} → ${key('a')}`,
    );
    expect(cluster.callsOf('remediateWorkload')).toEqual([]);
    expect(alerts.map((a) => a.title)).toContain(`Service ${NS}/${name('a')} needs a human`);
  });

  test('a dependency that does not exist: an Event on the Service naming it, and the Service skipped', async () => {
    const { cluster, name } = given();
    cluster.add(name('web'), { dependsOn: [name('ghost')], brokenUntilRestarts: 1 });
    const result = await recover(name('web'));
    expect(result.outcome).toBe('skipped');
    expect(cluster.callsOf('recordServiceEvent').map((c) => c.detail)).toEqual([
      expect.stringContaining(`names ${NS}/${name('ghost')}, which does not exist`),
    ]);
    expect(cluster.callsOf('remediateWorkload')).toEqual([]);
  });
});

describe('restart strategy', () => {
  test('restarts up to three times, 30 s apart, and is verified after the one that helps', async () => {
    const { cluster, name } = given();
    cluster.add(name('web'), { brokenUntilRestarts: 3 });
    const result = await recover(name('web'), {}, 'ConnectivityFailed', 'service-recovery-restarted.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'restart' });
    const restarts = cluster.callsOf('remediateWorkload');
    expect(restarts).toHaveLength(3);
    expect(seconds(restarts[0]!.at, restarts[1]!.at)).toBeGreaterThanOrEqual(30);
    expect(seconds(restarts[1]!.at, restarts[2]!.at)).toBeGreaterThanOrEqual(30);
  });

  test('three restarts that do not help escalate to humans', async () => {
    const { cluster, name } = given();
    cluster.add(name('web'), { brokenUntilRestarts: Infinity });
    const result = await recover(name('web'));
    expect(result.outcome).toBe('escalated');
    expect(cluster.restartsOf(name('web'))).toBe(3);
    expect(alerts.at(-1)).toMatchObject({
      severity: 'critical',
      detail: expect.stringContaining('3 restarts 30 seconds apart'),
    });
  });

  test('verification failing (performance still breached) escalates instead of completing', async () => {
    const { cluster, name } = given();
    cluster.add(name('web'), { brokenUntilRestarts: 1, alwaysSlow: true });
    const result = await recover(name('web'));
    expect(result.outcome).toBe('escalated');
    expect(result.actions.join('\n')).toMatch(
      /verification failed after restart 1 .*performance: response time/,
    );
  });
});

describe('scaling strategy', () => {
  test('doubles under load up to the cap, a cooldown apart, and halves back to the floor as the load drops', async () => {
    const { cluster, name } = given();
    const web = name('web');
    // 28 req/s while the load lasts (the first 6 readings: the relief, then verification), 2 after.
    cluster.load = (_n, reading) => (reading < 6 ? 28 : 2);
    cluster.add(web, { scaling: { min: 1, max: 6 }, replicas: 1 });
    const result = await recover(web, {}, 'threshold', 'service-recovery-scaled.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'scale' });
    const scales = cluster.callsOf('scaleWorkload');
    expect(scales.map((c) => c.detail)).toEqual(['1 → 2', '2 → 4', '4 → 6', '6 → 3', '3 → 1']);
    for (let i = 1; i < scales.length; i++)
      expect(seconds(scales[i - 1]!.at, scales[i]!.at)).toBeGreaterThanOrEqual(120);
    expect(cluster.replicasOf(web)).toBe(1);
  });

  test('under load at the cap already: escalated, not scaled past it', async () => {
    const { cluster, name } = given();
    cluster.load = () => 100;
    cluster.add(name('web'), { scaling: { min: 1, max: 4 }, replicas: 4 });
    const result = await recover(name('web'), {}, 'threshold');
    expect(result.outcome).toBe('escalated');
    expect(cluster.callsOf('scaleWorkload')).toEqual([]);
  });

  test('a slow Service that did not opt in to scaling is left to its analysis alert: skipped, nobody called twice', async () => {
    const { cluster, name } = given();
    cluster.load = () => 28;
    cluster.add(name('web'), { replicas: 1 });
    const result = await recover(name('web'), {}, 'threshold');
    expect(result.outcome).toBe('skipped');
    expect(cluster.callsOf('scaleWorkload')).toEqual([]);
    expect(alerts).toEqual([]);
  });

  test('a workload an HPA manages is left to it: reported, its replicas untouched', async () => {
    const { cluster, name } = given();
    cluster.load = () => 28;
    cluster.add(name('web'), { scaling: { min: 1, max: 10 }, hpa: `${NS}/web`, replicas: 2 });
    const result = await recover(name('web'), {}, 'threshold');
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).toContain('HorizontalPodAutoscaler');
    expect(cluster.callsOf('scaleWorkload')).toEqual([]);
    expect(cluster.replicasOf(name('web'))).toBe(2);
  });
});

describe('failover strategy', () => {
  const failover = { primary: { app: 'db', role: 'primary' }, secondary: { app: 'db', role: 'secondary' } };

  test('switches to the healthy secondary, and back only once the primary stayed healthy for the window', async () => {
    const { cluster, name } = given();
    // The primary is down for its first 4 looks, up, down once more (a flap), then up for good.
    cluster.sideHealth = (side, look) =>
      side === 'secondary' || (look >= 4 && look !== 6)
        ? { pods: 1, ready: 1, workloads: [] }
        : { pods: 1, ready: 0, workloads: [] };
    cluster.add(name('db'), { failover });
    const result = await recover(name('db'), {}, 'ConnectivityFailed', 'service-recovery-failed-over.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'failover' });
    const switches = cluster.callsOf('switchServiceSelector');
    expect(switches.map((c) => c.detail)).toEqual(['secondary', 'primary']);
    const lastDown = cluster
      .callsOf('selectorHealth')
      .filter((c) => c.about === 'primary' && c.detail === '0/1')
      .at(-1)!;
    expect(seconds(lastDown.at, switches[1]!.at)).toBeGreaterThanOrEqual(120);
  });

  test('refused when the secondary is unhealthy too: escalated, traffic not switched', async () => {
    const { cluster, name } = given();
    cluster.sideHealth = (side) =>
      side === 'secondary' ? { pods: 2, ready: 1, workloads: [] } : { pods: 1, ready: 0, workloads: [] };
    cluster.add(name('db'), { failover });
    const result = await recover(name('db'));
    expect(result.outcome).toBe('escalated');
    expect(result.actions.join('\n')).toContain('traffic is not switched to an unhealthy secondary');
    expect(cluster.callsOf('switchServiceSelector')).toEqual([]);
  });

  test('a side whose selector matches no pod: an Event naming it, the Service skipped, traffic not switched', async () => {
    const { cluster, name } = given();
    cluster.sideHealth = (side) =>
      side === 'secondary' ? { pods: 0, ready: 0, workloads: [] } : { pods: 1, ready: 0, workloads: [] };
    cluster.add(name('db'), { failover });
    const result = await recover(name('db'));
    expect(result.outcome).toBe('skipped');
    expect(cluster.callsOf('recordServiceEvent').map((c) => c.detail)).toEqual([
      'SelfHealingInvalidAnnotation: not recovered: self-healing.temporal.io/failover-secondary="app=db,role=secondary" matches no pod',
    ]);
    expect(cluster.callsOf('switchServiceSelector')).toEqual([]);
  });

  test('a primary that never stays healthy for the window keeps traffic on the secondary and escalates', async () => {
    const { cluster, name } = given();
    cluster.sideHealth = (side, look) =>
      side === 'secondary' || look % 3 !== 0
        ? { pods: 1, ready: 1, workloads: [] }
        : { pods: 1, ready: 0, workloads: [] };
    cluster.add(name('db'), { failover });
    const result = await recover(name('db'));
    expect(result.outcome).toBe('escalated');
    expect(cluster.callsOf('switchServiceSelector').map((c) => c.detail)).toEqual(['secondary']);
  });
});
