/**
 * The Prometheus adapter of the metric-source port: `/api/v1/query`, `/api/v1/query_range` and
 * `/api/v1/parse_query` (Prometheus 3) over fetch, each call under a timeout. The only place that
 * reads Prometheus' status codes and JSON: network failures, timeouts, 429 and 5xx are
 * {@link MetricSourceUnavailable}; 400 `bad_data` and 422 are {@link InvalidQuery}.
 */
import type { Sample } from '../../domain/analysis';
import { InvalidQuery, MetricSourceUnavailable } from './errors';
import type { InstantSample, MetricSource, ParseVerdict, RangeSeries } from './port';

export interface PrometheusOptions {
  /** Base URL, e.g. `http://prometheus:9090` (a path prefix is kept). */
  url: string;
  /** Per-call timeout in ms. @default 10_000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: unknown;
}

/** A Prometheus sample value: a decimal, `NaN`, `+Inf` or `-Inf`. */
export function sampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return typeof text === 'string' ? Number(text) : NaN;
}

/** Creates the adapter. */
export function createPrometheusSource(options: PrometheusOptions): MetricSource {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? globalThis.fetch;

  async function call(path: string, params: Record<string, string>): Promise<ApiBody> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new MetricSourceUnavailable(`Prometheus ${path}: ${causeText(error, timeoutMs)}`, undefined, {
        cause: error,
      });
    }
    return classify(path, params.query ?? '', response);
  }

  return {
    async instant(query, time) {
      const body = await call('/api/v1/query', {
        query,
        ...(time !== undefined ? { time: String(time / 1000) } : {}),
      });
      return instantSamples(body.data);
    },
    async range(query, start, end, stepSeconds) {
      const body = await call('/api/v1/query_range', {
        query,
        start: String(start / 1000),
        end: String(end / 1000),
        step: String(stepSeconds),
      });
      return rangeSeries(body.data);
    },
    async parse(query): Promise<ParseVerdict> {
      try {
        await call('/api/v1/parse_query', { query });
        return { valid: true };
      } catch (error) {
        if (error instanceof InvalidQuery) return { valid: false, error: error.detail };
        throw error;
      }
    },
  };
}

function causeText(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Maps one HTTP answer to its body or a typed error. */
async function classify(path: string, query: string, response: Response): Promise<ApiBody> {
  const text = await response.text().catch(() => '');
  let body: ApiBody | undefined;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    body = undefined;
  }
  const detail = body?.error ?? text.slice(0, 300);
  if ((response.status === 400 && body?.errorType === 'bad_data') || response.status === 422)
    throw new InvalidQuery(query, detail, response.status);
  if (!response.ok || body?.status !== 'success')
    throw new MetricSourceUnavailable(
      `Prometheus ${path}: HTTP ${response.status}${body ? ` ${body.errorType ?? ''}` : ' (not the Prometheus API)'}: ${detail}`,
      response.status,
    );
  return body;
}

type Pair = [number, string];
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

function sampleOf(pair: unknown): Sample | undefined {
  if (!Array.isArray(pair) || typeof pair[0] !== 'number') return undefined;
  return { t: Math.round((pair as Pair)[0] * 1000), v: sampleValue(pair[1]) };
}

function labelsOf(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (isRecord(metric)) for (const [k, v] of Object.entries(metric)) if (typeof v === 'string') labels[k] = v;
  return labels;
}

/** A vector's (or a scalar's) samples; native-histogram samples (no `value`) are skipped. */
function instantSamples(data: unknown): InstantSample[] {
  if (!isRecord(data)) return [];
  if (data.resultType === 'scalar') {
    const sample = sampleOf(data.result);
    return sample ? [{ labels: {}, ...sample }] : [];
  }
  if (data.resultType !== 'vector' || !Array.isArray(data.result)) return [];
  return data.result.flatMap((item: unknown): InstantSample[] => {
    const sample = isRecord(item) ? sampleOf(item.value) : undefined;
    return sample && isRecord(item) ? [{ labels: labelsOf(item.metric), ...sample }] : [];
  });
}

function rangeSeries(data: unknown): RangeSeries[] {
  if (!isRecord(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) return [];
  return data.result.flatMap((item: unknown): RangeSeries[] => {
    if (!isRecord(item) || !Array.isArray(item.values)) return [];
    const samples = item.values.map(sampleOf).filter((s): s is Sample => s !== undefined);
    return [{ labels: labelsOf(item.metric), samples }];
  });
}
