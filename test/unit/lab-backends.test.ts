/**
 * The lab backends' pieces on their own (tools/sim/backends): knobs from annotations, the Service
 * selector, the EndpointSlice of a pod, the metrics text, and one instance's HTTP server. The lab
 * suite test/lab/lab-backends.test.ts proves them together against the cluster.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { Backends } from '../../tools/sim/backends/conventions';
import { httpGet } from '../../tools/sim/backends/client';
import { Instance } from '../../tools/sim/backends/instance';
import { knobsOf } from '../../tools/sim/backends/knobs';
import { RequestMetrics } from '../../tools/sim/backends/metrics';
import { backendNameOf } from '../../tools/sim/backends/pods';
import { parseSelector, sliceContent, sliceFor } from '../../tools/sim/backends/slices';
import { samplesOf } from '../../tools/sim/prometheus';

function pod(overrides: { ready?: boolean; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: {
      name: 'web-5d8f7-abcde',
      namespace: 'shop',
      uid: 'u-1',
      labels: { app: 'web', 'pod-template-hash': '5d8f7', [Backends.backendLabel]: 'true' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'rs', controller: true },
      ],
      ...(overrides.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: { nodeName: 'sim-node-1', containers: [] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: overrides.ready === false ? 'False' : 'True' }],
    },
  };
}

const service: V1Service = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 's-1',
    annotations: { [Backends.selectorAnnotation]: 'app=web' },
  },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
};

describe('knobs', () => {
  test('latency and error rate are read from the pod annotations', () => {
    expect(knobsOf({ [Backends.latencyAnnotation]: '250', [Backends.errorRateAnnotation]: '0.5' })).toEqual({
      knobs: { latencyMs: 250, errorRate: 0.5 },
      problems: [],
    });
    expect(knobsOf(undefined).knobs).toEqual({ latencyMs: 0, errorRate: 0 });
  });

  test('an invalid knob counts as absent and is reported by name', () => {
    const { knobs, problems } = knobsOf({
      [Backends.errorRateAnnotation]: '2',
      [Backends.latencyAnnotation]: 'x',
    });
    expect(knobs).toEqual({ latencyMs: 0, errorRate: 0 });
    expect(problems).toEqual([
      `${Backends.latencyAnnotation}="x" is not a number from 0 to 600000; using 0`,
      `${Backends.errorRateAnnotation}="2" is not a number from 0 to 1; using 0`,
    ]);
  });
});

describe('selector', () => {
  test('an equality selector lists its labels; anything else is an error naming the term', () => {
    expect(parseSelector('app=web, tier==front')).toEqual({ labels: { app: 'web', tier: 'front' } });
    expect(parseSelector('app')).toEqual({ error: '"app" is not key=value (the selector is "app")' });
    expect(parseSelector('app!=web')).toHaveProperty('error');
    expect(parseSelector('')).toHaveProperty('error');
  });
});

describe('endpoint slices', () => {
  test('a Ready pod is one ready 127.0.0.1 endpoint on its port, owned by the Service', () => {
    const slice = sliceFor(service, pod(), 41_000);
    expect(slice).toMatchObject({
      metadata: {
        name: 'web-web-5d8f7-abcde',
        labels: {
          'endpointslice.kubernetes.io/managed-by': Backends.managedBy,
          'kubernetes.io/service-name': 'web',
        },
        ownerReferences: [{ kind: 'Service', name: 'web', uid: 's-1', controller: true }],
      },
      addressType: 'FQDN',
      endpoints: [
        {
          addresses: ['127.0.0.1'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'sim-node-1',
          targetRef: { kind: 'Pod', name: 'web-5d8f7-abcde', uid: 'u-1' },
        },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 41_000 }],
    });
  });

  test('a NotReady pod is listed not ready, a deleted one terminating', () => {
    expect(sliceFor(service, pod({ ready: false }), 1).endpoints?.[0]?.conditions).toEqual({
      ready: false,
      serving: false,
      terminating: false,
    });
    expect(sliceFor(service, pod({ deleting: true }), 1).endpoints?.[0]?.conditions).toEqual({
      ready: false,
      serving: false,
      terminating: true,
    });
  });

  test('a slice read back with its keys in another order needs no rewrite', () => {
    const written = sliceFor(service, pod(), 1);
    const read = JSON.parse(
      JSON.stringify({
        ...written,
        metadata: {
          ...written.metadata,
          labels: { 'kubernetes.io/service-name': 'web', ...written.metadata?.labels },
        },
        endpoints: (written.endpoints ?? []).map((e) => ({
          ...e,
          conditions: { terminating: false, serving: true, ready: true },
        })),
      }),
    );
    expect(sliceContent(read)).toBe(sliceContent(written));
    expect(sliceContent(sliceFor(service, pod(), 2))).not.toBe(sliceContent(written));
  });

  test('a pod of a Deployment belongs to the backend named after the Deployment', () => {
    expect(backendNameOf(pod())).toBe('web');
  });
});

describe('metrics', () => {
  test('requests are counted by backend and code, and durations fill cumulative buckets', () => {
    const metrics = new RequestMetrics();
    const origin = { namespace: 'shop', backend: 'web', pod: 'web-1' };
    metrics.observe(origin, 200, 0.02);
    metrics.observe(origin, 200, 0.3);
    metrics.observe(origin, 500, 0.001);
    metrics.setInstances('shop', 'web', 2);
    const text = metrics.render();
    expect(samplesOf(text, 'lab_backend_http_requests_total').map((s) => [s.labelText, s.value])).toEqual([
      ['{namespace="shop",backend="web",code="200"}', 2],
      ['{namespace="shop",backend="web",code="500"}', 1],
    ]);
    const bucket = (le: string) =>
      samplesOf(text, 'lab_backend_http_request_duration_seconds_bucket').find((s) => s.labels.le === le)
        ?.value;
    expect([bucket('0.005'), bucket('0.025'), bucket('0.5'), bucket('+Inf')]).toEqual([1, 2, 3, 3]);
    expect(samplesOf(text, 'lab_backend_http_request_duration_seconds_count')[0]?.value).toBe(3);
    expect(samplesOf(text, 'lab_backend_instances')[0]?.value).toBe(2);
    expect(text).toContain('# TYPE lab_backend_http_request_duration_seconds histogram');
  });

  test('the pod label is added only when asked for', () => {
    const metrics = new RequestMetrics(true);
    metrics.observe({ namespace: 'shop', backend: 'web', pod: 'web-1' }, 200, 0.01);
    expect(samplesOf(metrics.render(), 'lab_backend_http_requests_total')[0]?.labels).toEqual({
      namespace: 'shop',
      backend: 'web',
      pod: 'web-1',
      code: '200',
    });
  });
});

describe('instance', () => {
  test('answers with its error rate, refuses connections once stopped, and comes back on the same port', async () => {
    const metrics = new RequestMetrics();
    let draw = 0.3;
    const instance = new Instance(
      { namespace: 'shop', backend: 'web', pod: 'web-1' },
      { latencyMs: 0, errorRate: 0.5 },
      metrics,
      () => draw,
    );
    const port = await instance.start();
    const url = `http://127.0.0.1:${port}/anything`;
    try {
      expect((await httpGet(url)).status).toBe(500);
      draw = 0.7;
      expect((await httpGet(url)).status).toBe(200);
      await instance.stop();
      await expect(httpGet(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(await instance.start()).toBe(port);
      expect((await httpGet(url)).status).toBe(200);
    } finally {
      await instance.stop();
    }
    expect(samplesOf(metrics.render(), 'lab_backend_http_requests_total').map((s) => s.value)).toEqual([
      1, 2,
    ]);
  });
});
