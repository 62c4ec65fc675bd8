/**
 * The lab backends' pieces on their own (tools/sim/backends): knobs from annotations, the Service
 * selector, the EndpointSlices of a Service's pods, the metrics text, and one instance's HTTP server. The lab
 * suite test/lab/lab-backends.test.ts proves them together against the cluster.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { Backends } from '../../tools/sim/backends/conventions';
import { httpGet } from '../../tools/sim/backends/client';
import { Instance } from '../../tools/sim/backends/instance';
import { knobsOf } from '../../tools/sim/backends/knobs';
import { RequestMetrics } from '../../tools/sim/backends/metrics';
import { backendNameOf } from '../../tools/sim/backends/pods';
import {
  conditionsOf,
  desiredSlices,
  parseSelector,
  selectorOf,
  sliceContent,
  sliceFor,
  targetPortsOf,
} from '../../tools/sim/backends/slices';
import { samplesOf } from '../../tools/sim/prometheus';

interface PodShape {
  name?: string;
  uid?: string;
  labels?: Record<string, string>;
  ready?: boolean;
  deleting?: boolean;
  phase?: string;
  node?: string | null;
  ip?: string;
}

/** A Running, Ready pod of the Deployment `web` (a backend unless `labels` says otherwise). */
function pod(shape: PodShape = {}): V1Pod {
  return {
    metadata: {
      name: shape.name ?? 'web-5d8f7-abcde',
      namespace: 'shop',
      uid: shape.uid ?? 'u-1',
      labels: shape.labels ?? { app: 'web', 'pod-template-hash': '5d8f7', [Backends.backendLabel]: 'true' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'rs', controller: true },
      ],
      ...(shape.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      ...(shape.node === null ? {} : { nodeName: shape.node ?? 'sim-node-1' }),
      containers: [{ name: 'app', image: 'x', ports: [{ name: 'web', containerPort: 8080 }] }],
    },
    status: {
      phase: shape.phase ?? 'Running',
      podIP: shape.ip ?? '10.0.0.7',
      conditions: [{ type: 'Ready', status: shape.ready === false ? 'False' : 'True' }],
    },
  };
}

/** A plain (not backend) pod labelled `app=<app>`. */
function plainPod(app: string, i: number, shape: PodShape = {}): V1Pod {
  return pod({ name: `${app}-${i}`, uid: `${app}-u${i}`, ip: `10.0.1.${i}`, labels: { app }, ...shape });
}

const service: V1Service = {
  metadata: { name: 'web', namespace: 'shop', uid: 's-1' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

const noServer = () => undefined;

describe('knobs', () => {
  test('latency and error rate are read from the pod annotations', () => {
    expect(knobsOf({ [Backends.latencyAnnotation]: '250', [Backends.errorRateAnnotation]: '0.5' })).toEqual({
      knobs: { latencyMs: 250, errorRate: 0.5, capacityRps: 0 },
      problems: [],
    });
    expect(knobsOf(undefined).knobs).toEqual({ latencyMs: 0, errorRate: 0, capacityRps: 0 });
  });

  test('an invalid knob counts as absent and is reported by name', () => {
    const { knobs, problems } = knobsOf({
      [Backends.errorRateAnnotation]: '2',
      [Backends.latencyAnnotation]: 'x',
    });
    expect(knobs).toEqual({ latencyMs: 0, errorRate: 0, capacityRps: 0 });
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

  test('spec.selector decides; the lab annotation only for a selector-less Service; none for ExternalName', () => {
    expect(selectorOf(service)).toEqual({ labels: { app: 'web' } });
    const annotated = { metadata: { annotations: { [Backends.selectorAnnotation]: 'app=old' } } };
    expect(selectorOf({ ...annotated, spec: { selector: { app: 'new' } } })).toEqual({
      labels: { app: 'new' },
    });
    expect(selectorOf(annotated)).toEqual({ labels: { app: 'old' } });
    expect(selectorOf({ spec: { ports: [{ port: 80 }] } })).toBeUndefined();
    expect(selectorOf({ spec: { type: 'ExternalName', selector: { app: 'web' } } })).toBeUndefined();
  });
});

describe('endpoint slices', () => {
  test('a backend pod with a server is one 127.0.0.1 endpoint on its port, owned by the Service', () => {
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
          targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-5d8f7-abcde', uid: 'u-1' },
        },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 41_000 }],
    });
  });

  test('conditions follow the pod as kube-controller-manager sets them: serving is Ready, ready excludes terminating', () => {
    expect(conditionsOf(pod({ ready: false }))).toEqual({ ready: false, serving: false, terminating: false });
    expect(conditionsOf(pod({ deleting: true }))).toEqual({ ready: false, serving: true, terminating: true });
    expect(conditionsOf(pod({ ready: false }), true)).toEqual({
      ready: true,
      serving: false,
      terminating: false,
    });
  });

  test('a pod that is not a backend is its pod IP on the target port, with a targetRef naming it', () => {
    const slices = desiredSlices(
      service,
      { app: 'web' },
      [plainPod('web', 2, { ready: false }), plainPod('web', 1), plainPod('other', 3)],
      noServer,
      [],
    );
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({
      metadata: { labels: { 'kubernetes.io/service-name': 'web' }, ownerReferences: [{ uid: 's-1' }] },
      addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [
        {
          addresses: ['10.0.1.1'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'sim-node-1',
          targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'web-u1' },
        },
        { addresses: ['10.0.1.2'], conditions: { ready: false, serving: false, terminating: false } },
      ],
    });
  });

  test('a named target port is the container port of that name; a pod without it is listed without the port', () => {
    const named: V1Service = {
      ...service,
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    };
    expect(targetPortsOf(named, plainPod('web', 1))).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    const other = plainPod('web', 2);
    other.spec = { nodeName: 'sim-node-1', containers: [{ name: 'app', image: 'x' }] };
    const slices = desiredSlices(named, { app: 'web' }, [plainPod('web', 1), other], noServer, []);
    expect(slices.map((s) => [s.ports, s.endpoints?.map((e) => e.targetRef?.name)])).toEqual(
      expect.arrayContaining([
        [[{ name: 'http', protocol: 'TCP', port: 8080 }], ['web-1']],
        [[], ['web-2']],
      ]),
    );
  });

  test('pods not bound to a node, Succeeded or Failed, or without an IP are left out; a terminating one stays', () => {
    const pods = [
      plainPod('web', 1, { node: null }),
      plainPod('web', 2, { phase: 'Succeeded' }),
      plainPod('web', 3, { phase: 'Failed' }),
      plainPod('web', 4, { ip: '' }),
      plainPod('web', 5, { deleting: true }),
    ];
    const [slice, ...more] = desiredSlices(service, { app: 'web' }, pods, noServer, []);
    expect(more).toEqual([]);
    expect(slice?.endpoints?.map((e) => [e.targetRef?.name, e.conditions?.terminating])).toEqual([
      ['web-5', true],
    ]);
  });

  test('a backend pod is listed at its server once it has one; Ready without one yet, it is left out', () => {
    const backend = pod();
    expect(desiredSlices(service, { app: 'web' }, [backend], () => 41_000, [])).toEqual([
      sliceFor(service, backend, 41_000),
    ]);
    expect(desiredSlices(service, { app: 'web' }, [backend], noServer, [])).toEqual([]);
    const starting = pod({ ready: false });
    expect(desiredSlices(service, { app: 'web' }, [starting], noServer, [])[0]).toMatchObject({
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.7'], conditions: { ready: false }, targetRef: { uid: 'u-1' } }],
    });
  });

  test('IP endpoints fill slices of 100; one pod more or less rewrites one slice, and an emptied slice goes', () => {
    const pods = Array.from({ length: 150 }, (_, i) => plainPod('web', i + 1));
    const first = desiredSlices(service, { app: 'web' }, pods, noServer, []);
    expect(first.map((s) => s.endpoints?.length)).toEqual([100, 50]);
    const names = first.map((s) => s.metadata?.name);
    expect(new Set(names).size).toBe(2);

    const fewer = pods.filter((p) => p.metadata?.name !== 'web-1');
    const next = desiredSlices(service, { app: 'web' }, [...fewer, plainPod('web', 200)], noServer, first);
    expect(next.map((s) => s.metadata?.name)).toEqual(names);
    const changed = next.filter((s, i) => {
      const before = first[i];
      return !before || sliceContent(s) !== sliceContent(before);
    });
    expect(changed).toHaveLength(1);
    expect(changed[0]?.endpoints?.map((e) => e.targetRef?.name)).toContain('web-200');

    const few = desiredSlices(service, { app: 'web' }, pods.slice(120), noServer, first);
    expect(few.map((s) => [s.metadata?.name, s.endpoints?.length])).toEqual([[names[1], 30]]);
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
      { latencyMs: 0, errorRate: 0.5, capacityRps: 0 },
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

describe('capacity', () => {
  test('an instance with a capacity answers at full speed up to it, and after its latency only above it', async () => {
    const instance = new Instance(
      { namespace: 'shop', backend: 'web', pod: 'web-1' },
      { latencyMs: 60_000, errorRate: 0, capacityRps: 2 },
      new RequestMetrics(),
    );
    const port = await instance.start();
    const url = `http://127.0.0.1:${port}/`;
    try {
      // Within capacity the minute of latency does not apply: both answer.
      expect((await httpGet(url)).status).toBe(200);
      expect((await httpGet(url)).status).toBe(200);
      // The third within the same second is over capacity: still waiting when the next two are asked.
      let third: number | undefined;
      const pending = httpGet(url).then(
        (r) => (third = r.status),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(third).toBeUndefined();
      await instance.stop();
      await pending;
    } finally {
      await instance.stop();
    }
  });
});

describe('upstream', () => {
  test('a backend whose upstream Service has no ready endpoint answers 503, and 200 once it has one', async () => {
    let upstreamUp = false;
    const instance = new Instance(
      { namespace: 'shop', backend: 'api', pod: 'api-1' },
      { latencyMs: 0, errorRate: 0, capacityRps: 0, upstream: 'db' },
      new RequestMetrics(),
      Math.random,
      (service) => service === 'db' && upstreamUp,
    );
    const url = `http://127.0.0.1:${await instance.start()}/`;
    try {
      expect((await httpGet(url)).status).toBe(503);
      upstreamUp = true;
      expect((await httpGet(url)).status).toBe(200);
    } finally {
      await instance.stop();
    }
  });

  test('the upstream knob is read from its annotation', () => {
    expect(knobsOf({ [Backends.upstreamAnnotation]: ' db ' }).knobs.upstream).toBe('db');
  });
});
