/**
 * The detector's service source on the lab's real apiserver, with a gateway that records every
 * call (the Service recovery workflow is tested on its own). The Service has no selector, so its
 * EndpointSlice is this test's own, pointing at an HTTP server the test runs on 127.0.0.1 (an FQDN
 * slice, the address used as a host name): the
 * source's real informers, grouping by `kubernetes.io/service-name`, and its real HTTP check.
 * `service.check_interval` 5 s and `service.failure_threshold` 2 keep it short; every wait is for
 * an event, never a fixed time.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { Evidence, ServiceRecoveryInput, ServiceTarget } from '../../src/domain';
import { serviceName } from '../../src/domain';
import { silentLogger } from '../../src/logging';
import type { Detector, DetectorEvent, RecoveryGateway, ServiceGateway } from '../../src/starter/detector';
import { createDetector } from '../../src/starter/detector';
import { loadLabKubeConfig, waitFor } from '../../tools/sim';

const namespace = `service-detector-${Date.now().toString(36)}`;
const kc = loadLabKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);

/** Records what the service source asks of Temporal; the other sources do not run here. */
class RecordingGateway implements RecoveryGateway, ServiceGateway {
  readonly started: ServiceRecoveryInput[] = [];
  readonly signals: { service: string; evidence: Evidence }[] = [];
  start = () => Promise.reject(new Error('no node source here'));
  signal = () => Promise.reject(new Error('no node source here'));
  startWorkload = () => Promise.reject(new Error('no pod source here'));
  signalWorkload = () => Promise.reject(new Error('no pod source here'));
  async startService(input: ServiceRecoveryInput) {
    this.started.push(input);
    return { workflowId: `service-recovery/${serviceName(input.service)}`, runId: 'run-1' };
  }
  async signalService(service: ServiceTarget, evidence: Evidence) {
    this.signals.push({ service: serviceName(service), evidence });
    return 'signalled' as const;
  }
  readies(service: string) {
    return this.signals.filter((s) => s.service === service && s.evidence.reason === 'Ready');
  }
}

const gateway = new RecordingGateway();
const events: DetectorEvent[] = [];
let detector: Detector;
let server: Server;
let status = 200;
let port = 0;
const web = `${namespace}/web`;

function endpointSlice(ready: boolean): V1EndpointSlice {
  return {
    metadata: {
      name: 'web-1',
      labels: {
        'kubernetes.io/service-name': 'web',
        'endpointslice.kubernetes.io/managed-by': 'service-detector-test',
      },
    },
    // FQDN: the API rejects loopback addresses in IPv4 slices, and `127.0.0.1` is a valid domain
    // name (the lab backends' slices do the same, tools/sim/backends/slices.ts).
    addressType: 'FQDN',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

const checksOf = (service: string) =>
  events.filter(
    (e): e is Extract<DetectorEvent, { type: 'service-checked' }> =>
      e.type === 'service-checked' && e.service === service,
  );

beforeAll(async () => {
  server = createServer((request, response) => {
    response.statusCode = request.url === '/healthz' ? status : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedService({
    namespace,
    body: {
      // Opted in to the HTTP check: a Service without a check annotation is judged by its ready endpoints.
      metadata: { name: 'web', annotations: { 'self-healing.temporal.io/check-path': '/healthz' } },
      spec: { ports: [{ name: 'http', port: 80, targetPort: port }] },
    },
  });
  await discovery.createNamespacedEndpointSlice({ namespace, body: endpointSlice(true) });
  detector = createDetector({
    kubernetes: createDetectorKubernetes(kc, silentLogger),
    recoveries: gateway,
    serviceRecoveries: gateway,
    configSource: staticConfigSource(
      parseRecoveryConfig({ 'service.check_interval': '5', 'service.failure_threshold': '2' }),
    ),
    logger: silentLogger,
    sources: ['services'],
  });
  detector.subscribe((event) => events.push(event));
  await detector.start();
});

afterAll(async () => {
  await detector?.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await new Promise((resolve) => server?.close(resolve));
});

describe('the service source on the lab', () => {
  it('checks the endpoint of its own EndpointSlice over HTTP and finds it healthy', async () => {
    await waitFor(
      'a passing check',
      async () => checksOf(web),
      (c) => c.some((e) => e.ok),
    );
    expect(gateway.started).toEqual([]);
  });

  it('starts the recovery once the endpoint answers 503 for two checks in a row', async () => {
    status = 503;
    const [start] = await waitFor(
      'a recovery start',
      async () => gateway.started.filter((s) => serviceName(s.service) === web),
      (starts) => starts.length > 0,
      { timeoutMs: 60_000 },
    );
    expect(start).toMatchObject({
      service: { namespace, name: 'web' },
      reason: 'ConnectivityFailed',
      message: `connectivity check failed: 127.0.0.1:${port}: HTTP 503`,
    });
    expect(checksOf(web).filter((e) => !e.ok).length).toBeGreaterThanOrEqual(2);
  });

  it('signals Ready once when it answers 200 again', async () => {
    status = 200;
    await waitFor(
      'the Ready signal',
      async () => gateway.readies(web),
      (r) => r.length > 0,
      {
        timeoutMs: 60_000,
      },
    );
    const passed = checksOf(web).filter((e) => e.ok).length;
    await waitFor(
      'one more passing check',
      async () => checksOf(web).filter((e) => e.ok).length,
      (n) => n > passed,
      {
        timeoutMs: 60_000,
      },
    );
    expect(gateway.readies(web)).toHaveLength(1);
  });

  it('starts a recovery for NoReadyEndpoints when the slice says the endpoint is not ready', async () => {
    const before = gateway.started.length;
    await discovery.replaceNamespacedEndpointSlice({ name: 'web-1', namespace, body: endpointSlice(false) });
    const starts = await waitFor(
      'a NoReadyEndpoints start',
      async () => gateway.started.slice(before),
      (s) => s.some((i) => i.reason === 'NoReadyEndpoints'),
      { timeoutMs: 60_000 },
    );
    expect(starts[0]).toMatchObject({ service: { namespace, name: 'web' }, reason: 'NoReadyEndpoints' });
  });

  it('records a Warning Event on a Service with a bad annotation, naming it and its value', async () => {
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'bad', annotations: { 'self-healing.temporal.io/check-status': 'fine' } },
        spec: { selector: { app: 'bad' }, ports: [{ port: 80 }] },
      },
    });
    const [event] = await waitFor(
      'the SelfHealingInvalidAnnotation Event',
      async () =>
        (await core.listNamespacedEvent({ namespace })).items.filter(
          (e) => e.involvedObject.name === 'bad' && e.reason === 'SelfHealingInvalidAnnotation',
        ),
      (items) => items.length > 0,
    );
    expect(event).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Service', namespace } });
    expect(event?.message).toContain('self-healing.temporal.io/check-status="fine"');
    expect(gateway.started.filter((s) => s.service.name === 'bad')).toEqual([]);
  });
});
