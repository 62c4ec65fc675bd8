/**
 * The service source over in-memory informers, a recording gateway, a fake endpoint check and a
 * manual clock: `NoReadyEndpoints` after `failure_threshold × check_interval`, `ConnectivityFailed`
 * after `failure_threshold` failed checks in a row, flaps never starting anything, one start per
 * episode then evidence, one Ready, bad annotations (one Event, skipped), opt-out and skipped kinds,
 * the global concurrency bound and the spread of checks.
 */
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { EventToRecord } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import { silentLogger } from '../../src/logging';
import type { DetectorEvent } from '../../src/starter/detector';
import { createDetector } from '../../src/starter/detector';
import { FakeInformer, ManualClock, T0 } from '../support/pod-source-fakes';
import {
  FakeEndpointCheck,
  FakeServiceGateway,
  service,
  serviceKubernetes,
  slice,
} from '../support/service-source-fakes';

const INTERVAL_MS = 10_000;
const THRESHOLD = 2;
const WEB = 'shop/web';

function setup(
  initial: { services?: V1Service[]; slices?: V1EndpointSlice[] } = {},
  configData: Record<string, string> = {},
) {
  const clock = new ManualClock();
  const services = new FakeInformer(initial.services ?? [service('web')]);
  const slices = new FakeInformer(initial.slices ?? [slice('web', ['10.0.0.1', '10.0.0.2'])]);
  const events: EventToRecord[] = [];
  const gateway = new FakeServiceGateway(clock);
  const checker = new FakeEndpointCheck(clock);
  const configSource = staticConfigSource(
    parseRecoveryConfig({
      'service.check_interval': String(INTERVAL_MS / 1000),
      'service.failure_threshold': String(THRESHOLD),
      ...configData,
    }),
  );
  const detector = createDetector({
    kubernetes: serviceKubernetes(services, slices, events),
    recoveries: {
      start: () => Promise.reject(new Error('no node source here')),
      signal: () => Promise.reject(new Error('no node source here')),
      startWorkload: () => Promise.reject(new Error('no pod source here')),
      signalWorkload: () => Promise.reject(new Error('no pod source here')),
    },
    serviceRecoveries: gateway,
    endpointCheck: checker.check,
    configSource,
    clock,
    logger: silentLogger,
    sources: ['services'],
  });
  const seen: DetectorEvent[] = [];
  detector.subscribe((e) => seen.push(e));
  return { clock, services, slices, events, gateway, checker, configSource, detector, seen };
}

const unready = (addresses = ['10.0.0.1', '10.0.0.2']) => slice('web', addresses, { notReady: addresses });

describe('NoReadyEndpoints', () => {
  it('starts a recovery only once no endpoint has been ready for failure_threshold × check_interval', async () => {
    const s = setup();
    await s.detector.start();
    s.slices.put(unready());
    await s.clock.advance(THRESHOLD * INTERVAL_MS - 1);
    expect(s.gateway.starts).toEqual([]);
    await s.clock.advance(1);
    expect(s.gateway.starts).toHaveLength(1);
    expect(s.gateway.starts[0]).toMatchObject({
      service: { namespace: 'shop', name: 'web' },
      reason: 'NoReadyEndpoints',
      message: expect.stringContaining('no ready endpoint'),
      detectedAt: new Date(T0 + THRESHOLD * INTERVAL_MS).toISOString(),
      policy: { restartAttempts: 3, maxConcurrent: 5 },
    });
    expect(s.seen).toContainEqual(expect.objectContaining({ type: 'service-recovery-started' }));
    await s.detector.stop();
  });

  it('counts a Service with a selector and no EndpointSlices at all as having no ready endpoint', async () => {
    const s = setup({ slices: [] });
    await s.detector.start();
    await s.clock.advance(THRESHOLD * INTERVAL_MS);
    expect(s.gateway.startsOf(WEB)).toHaveLength(1);
    expect(s.gateway.starts[0]?.message).toContain('no EndpointSlices');
    await s.detector.stop();
  });

  it('never starts for endpoints that flap ready and unready faster than the window', async () => {
    const s = setup();
    await s.detector.start();
    for (let i = 0; i < 20; i++) {
      s.slices.put(unready());
      await s.clock.advance(THRESHOLD * INTERVAL_MS - 1_000);
      s.slices.put(slice('web', ['10.0.0.1', '10.0.0.2']));
      await s.clock.advance(1_000);
    }
    expect(s.gateway.starts).toEqual([]);
    expect(s.seen.filter((e) => e.type === 'flap-suppressed')).toHaveLength(20);
    await s.detector.stop();
  });
});

describe('ConnectivityFailed', () => {
  it('starts after failure_threshold failed checks in a row, naming the failing endpoint', async () => {
    const s = setup();
    await s.detector.start();
    await s.clock.advance(INTERVAL_MS);
    expect(s.checker.calls.map((c) => c.address).sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    s.checker.status.set('10.0.0.2:8080', 503);
    await s.clock.advance(INTERVAL_MS);
    expect(s.gateway.starts).toEqual([]);
    await s.clock.advance(INTERVAL_MS);
    expect(s.gateway.starts).toHaveLength(1);
    expect(s.gateway.starts[0]).toMatchObject({
      reason: 'ConnectivityFailed',
      message: 'connectivity check failed: 10.0.0.2:8080: HTTP 503',
    });
    expect(s.detector.stats().services?.checks).toMatchObject({ ok: 1, failed: 2 });
    await s.detector.stop();
  });

  it('never sends an HTTP request to a Service that did not opt in to the check (it may not speak HTTP)', async () => {
    const s = setup({ services: [service('db', { annotations: {} })], slices: [slice('db', ['10.0.0.1'])] });
    await s.detector.start();
    await s.clock.advance(THRESHOLD * INTERVAL_MS * 3);
    expect(s.checker.calls).toEqual([]);
    expect(s.gateway.starts).toEqual([]);
    await s.detector.stop();
  });

  it('never starts for checks that fail and pass in turn', async () => {
    const s = setup();
    await s.detector.start();
    for (let i = 0; i < 10; i++) {
      s.checker.status.set('10.0.0.1:8080', i % 2 === 0 ? 500 : 200);
      await s.clock.advance(INTERVAL_MS);
    }
    expect(s.gateway.starts).toEqual([]);
    expect(s.seen.filter((e) => e.type === 'flap-suppressed')).toHaveLength(5);
    await s.detector.stop();
  });

  it('checks with the path, timeout and status of the annotations, over the config defaults', async () => {
    const s = setup({
      services: [
        service('web', {
          annotations: {
            'self-healing.temporal.io/check-path': '/ready',
            'self-healing.temporal.io/check-status': '204',
          },
        }),
      ],
    });
    await s.detector.start();
    await s.clock.advance(INTERVAL_MS);
    expect(s.checker.calls[0]?.check).toEqual({
      path: '/ready',
      timeoutMs: 2_000,
      status: { min: 204, max: 204 },
    });
    await s.detector.stop();
  });
});

describe('one recovery per episode', () => {
  async function failing(s: ReturnType<typeof setup>) {
    await s.detector.start();
    s.checker.status.set('10.0.0.1:8080', 503);
    await s.clock.advance(THRESHOLD * INTERVAL_MS);
    expect(s.gateway.starts).toHaveLength(1);
  }

  it('adds one evidence per later failing check, through startService, and counts one start', async () => {
    const s = setup();
    await failing(s);
    await s.clock.advance(3 * INTERVAL_MS);
    expect(s.gateway.starts).toHaveLength(4);
    const stats = s.detector.stats().services;
    expect(stats?.starts).toEqual({ calls: 1, failures: 0 });
    expect(stats?.evidence).toEqual({ sent: 3, failures: 0 });
    expect(s.seen.filter((e) => e.type === 'service-recovery-started')).toHaveLength(1);
    await s.detector.stop();
  });

  it('signals Ready once when the checks pass again, and starts anew on the next episode', async () => {
    const s = setup();
    await failing(s);
    s.checker.status.clear();
    await s.clock.advance(5 * INTERVAL_MS);
    expect(s.gateway.readiesOf(WEB)).toHaveLength(1);
    expect(s.gateway.readiesOf(WEB)[0]!.at).toBeGreaterThan(s.gateway.starts[0]!.at);
    s.checker.status.set('10.0.0.1:8080', 503);
    await s.clock.advance(THRESHOLD * INTERVAL_MS);
    expect(s.detector.stats().services?.starts.calls).toBe(2);
    expect(s.seen.filter((e) => e.type === 'service-recovery-started')).toHaveLength(2);
    await s.detector.stop();
  });

  it('signals Ready after no ready endpoints only once a check passes', async () => {
    const s = setup();
    await s.detector.start();
    s.slices.put(unready());
    await s.clock.advance(THRESHOLD * INTERVAL_MS);
    expect(s.gateway.starts).toHaveLength(1);
    s.checker.status.set('10.0.0.1:8080', 503);
    s.slices.put(slice('web', ['10.0.0.1']));
    await s.clock.advance(INTERVAL_MS);
    expect(s.gateway.readiesOf(WEB)).toEqual([]);
    s.checker.status.clear();
    await s.clock.advance(INTERVAL_MS);
    expect(s.gateway.readiesOf(WEB)).toHaveLength(1);
    await s.detector.stop();
  });

  it('tries a failed start again at the next failing check', async () => {
    const s = setup();
    s.gateway.failStarts = 1;
    await failing(s);
    expect(s.seen).toContainEqual(expect.objectContaining({ type: 'service-recovery-start-failed' }));
    await s.clock.advance(INTERVAL_MS);
    expect(s.detector.stats().services?.starts).toEqual({ calls: 2, failures: 1 });
    expect(s.seen.filter((e) => e.type === 'service-recovery-started')).toHaveLength(1);
    await s.detector.stop();
  });
});

describe('skipped Services', () => {
  it('records one Warning Event naming a bad annotation and its value, and never checks the Service', async () => {
    const bad = service('web', { annotations: { 'self-healing.temporal.io/check-timeout': 'soon' } });
    const s = setup({ services: [bad] });
    await s.detector.start();
    s.services.put({ ...bad, metadata: { ...bad.metadata, resourceVersion: '2' } });
    s.slices.put(unready());
    await s.clock.advance(10 * INTERVAL_MS);
    expect(s.events).toEqual([
      expect.objectContaining({
        involvedObject: expect.objectContaining({ kind: 'Service', namespace: 'shop', name: 'web' }),
        type: 'Warning',
        reason: 'SelfHealingInvalidAnnotation',
        message: expect.stringContaining('self-healing.temporal.io/check-timeout="soon"'),
      }),
    ]);
    expect(s.checker.calls).toEqual([]);
    expect(s.gateway.starts).toEqual([]);
    expect(s.detector.stats().services?.skipped).toEqual({ optedOut: 0, invalid: 1 });
    s.services.put(service('web'));
    await s.clock.advance(THRESHOLD * INTERVAL_MS);
    expect(s.gateway.startsOf(WEB)).toHaveLength(1);
    await s.detector.stop();
  });

  it('never checks or recovers a Service carrying the opt-out label', async () => {
    const s = setup({
      services: [service('web', { labels: { 'self-healing.temporal.io/exclude': 'true' } })],
      slices: [unready()],
    });
    await s.detector.start();
    await s.clock.advance(10 * INTERVAL_MS);
    expect(s.gateway.starts).toEqual([]);
    expect(s.checker.calls).toEqual([]);
    expect(s.detector.stats().services?.skipped.optedOut).toBe(1);
    await s.detector.stop();
  });

  it('skips the API server Service, ExternalName Services and selector-less Services without slices', async () => {
    const s = setup({
      services: [
        service('kubernetes', { namespace: 'default', selector: null }),
        service('ext', { type: 'ExternalName', selector: null }),
        service('manual', { selector: null }),
      ],
      slices: [slice('kubernetes', ['10.96.0.1'], { namespace: 'default', notReady: ['10.96.0.1'] })],
    });
    await s.detector.start();
    await s.clock.advance(10 * INTERVAL_MS);
    expect(s.gateway.starts).toEqual([]);
    expect(s.detector.stats().services?.watched).toBe(0);
    await s.detector.stop();
  });
});

describe('check load', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `svc-${i}`);

  it('never runs more than service.check_concurrency endpoint checks at once, across Services', async () => {
    const names = many(30);
    const s = setup(
      {
        services: names.map((n) => service(n)),
        slices: names.map((n) => slice(n, ['10.0.1.1', '10.0.1.2'], { name: n })),
      },
      { 'service.check_concurrency': '4' },
    );
    s.checker.hold = true;
    await s.detector.start();
    await s.clock.advance(INTERVAL_MS);
    expect(s.checker.peak).toBe(4);
    expect(s.detector.stats().services?.checks.queued).toBe(56);
    s.checker.release();
    await s.clock.advance(1);
    expect(s.checker.calls).toHaveLength(60);
    expect(s.checker.peak).toBe(4);
    await s.detector.stop();
  });

  it('spreads the checks of many Services over the interval', async () => {
    const names = many(50);
    const s = setup({
      services: names.map((n) => service(n)),
      slices: names.map((n) => slice(n, ['10.0.1.1'], { name: n })),
    });
    await s.detector.start();
    await s.clock.advance(INTERVAL_MS);
    const times = s.checker.calls.map((c) => c.at);
    expect(times).toHaveLength(50);
    expect(new Set(times).size).toBeGreaterThan(40);
    await s.detector.stop();
  });
});
