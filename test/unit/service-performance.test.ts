/**
 * A Service's performance reading (src/activities/service/performance.ts) over a fake metric
 * source: its own series picked among all Services', thresholds breached at or above, no data left
 * out rather than judged, load per ready replica, and a source that cannot answer. Also how an
 * EndpointSlice's endpoints become addresses (src/activities/kubernetes/services.ts).
 */
import { endpointsOf } from '../../src/activities/kubernetes/services';
import type { InstantSample, MetricSource } from '../../src/activities/metrics-source';
import { InvalidQuery, MetricSourceUnavailable } from '../../src/activities/metrics-source';
import { readPerformance } from '../../src/activities/service/performance';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';

const service = { namespace: 'shop', name: 'web' };
const analysis = defaultRecoveryConfig.analysis;
const serviceConfig = {
  ...defaultRecoveryConfig.service,
  load_query: 'load{ns="$namespace",svc="$service"}',
};

const sample = (v: number, labels: Record<string, string> = {}): InstantSample => ({ labels, t: 0, v });
const of = (namespace: string, name: string, v: number) => sample(v, { namespace, service: name });

/** A source answering each query by which config key it is. */
function source(answers: { rt?: InstantSample[]; er?: InstantSample[]; load?: InstantSample[] }) {
  const asked: string[] = [];
  const fake: MetricSource = {
    async instant(query) {
      asked.push(query);
      if (query === analysis.response_time_query) return answers.rt ?? [];
      if (query === analysis.error_rate_query) return answers.er ?? [];
      return answers.load ?? [];
    },
    range: async () => [],
    parse: async () => ({ valid: true }),
  };
  return { fake, asked };
}

const read = (metrics: MetricSource | undefined, readyEndpoints = 2) =>
  readPerformance(metrics, { service, readyEndpoints, analysis, serviceConfig });

describe('readPerformance', () => {
  it("picks the Service's own series and judges it against the analysis thresholds", async () => {
    const { fake, asked } = source({
      rt: [of('shop', 'cart', 5000), of('shop', 'web', 1000), of('other', 'web', 9000)],
      er: [of('shop', 'web', 2)],
      load: [sample(12)],
    });
    expect(await read(fake)).toEqual({
      responseTimeMs: 1000,
      errorRatePercent: 2,
      throughput: 12,
      loadPerReplica: 6,
      breaches: [`response time 1000 ms >= ${analysis.response_time_threshold} ms`],
      available: true,
    });
    expect(asked).toContain('load{ns="shop",svc="web"}');
  });

  it('leaves out what has no data (no series, NaN), without a breach', async () => {
    const { fake } = source({ rt: [of('shop', 'cart', 5000)], er: [of('shop', 'web', NaN)] });
    expect(await read(fake)).toEqual({ breaches: [], available: true });
  });

  it('divides the load by at least one replica', async () => {
    const { fake } = source({ load: [of('shop', 'web', 7)] });
    expect(await read(fake, 0)).toMatchObject({ throughput: 7, loadPerReplica: 7 });
  });

  it('is unavailable, judging nothing, when the source is down, refuses a query, or is not configured', async () => {
    const failing = (error: Error): MetricSource => ({
      instant: () => Promise.reject(error),
      range: async () => [],
      parse: async () => ({ valid: true }),
    });
    const unavailable = { breaches: [], available: false };
    expect(await read(failing(new MetricSourceUnavailable('connection refused')))).toEqual(unavailable);
    expect(await read(failing(new InvalidQuery('x', 'parse error', 400)))).toEqual(unavailable);
    expect(await read(undefined)).toEqual(unavailable);
    await expect(read(failing(new TypeError('a bug')))).rejects.toThrow('a bug');
  });
});

describe('endpointsOf', () => {
  it('dials the first address on the first port; unset readiness is ready; IPv6 bracketed; pods named', () => {
    expect(
      endpointsOf({
        addressType: 'IPv4',
        ports: [{ port: 8080 }, { port: 9090 }],
        endpoints: [
          { addresses: ['10.0.0.7', '10.0.0.8'], targetRef: { kind: 'Pod', name: 'web-1' } },
          { addresses: ['10.0.0.9'], conditions: { ready: false } },
          { addresses: [] },
        ],
      }),
    ).toEqual([
      { address: '10.0.0.7:8080', ready: true, pod: 'web-1' },
      { address: '10.0.0.9:8080', ready: false },
    ]);
    expect(
      endpointsOf({ addressType: 'IPv6', ports: [{ port: 80 }], endpoints: [{ addresses: ['fd00::1'] }] }),
    ).toEqual([{ address: '[fd00::1]:80', ready: true }]);
    expect(endpointsOf({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example'] }] })).toEqual([
      { address: 'db.example', ready: true },
    ]);
  });
});
