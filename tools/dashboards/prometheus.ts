/**
 * The dashboard tools' one door to Prometheus: instant and range queries over its HTTP API,
 * answers turned into {@link Series}. The rest of tools/dashboards is pure over these.
 */

/** One series of an answer: its labels and its points (Unix seconds, value), oldest first. */
export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

/** A query the caller runs: instant at one time, or a range with a step. */
export type RunQuery = (expr: string) => Promise<Series[]>;

/** Thrown when Prometheus cannot be reached or refuses a query; the message is Prometheus' own. */
export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
  readonly expr: string;
  constructor(message: string, expr: string, options?: { cause?: unknown }) {
    super(message, options);
    this.expr = expr;
  }
}

type Sample = [number, string];
interface ApiAnswer {
  status?: string;
  error?: string;
  data?: {
    resultType?: string;
    result?: unknown;
  };
}

/**
 * The series of a Prometheus query answer (`vector`, `matrix` or `scalar`); values as numbers,
 * `NaN` and `±Inf` included.
 * @throws PrometheusError when the answer is an error.
 */
export function seriesOf(answer: ApiAnswer, expr: string): Series[] {
  if (answer.status !== 'success') throw new PrometheusError(answer.error ?? 'no answer', expr);
  const { resultType, result } = answer.data ?? {};
  const point = ([time, value]: Sample): [number, number] => [time, Number(value)];
  if (resultType === 'scalar') return [{ labels: {}, points: [point(result as Sample)] }];
  if (resultType === 'vector')
    return (result as { metric: Record<string, string>; value: Sample }[]).map((r) => ({
      labels: r.metric,
      points: [point(r.value)],
    }));
  if (resultType === 'matrix')
    return (result as { metric: Record<string, string>; values: Sample[] }[]).map((r) => ({
      labels: r.metric,
      points: r.values.map(point),
    }));
  throw new PrometheusError(`unexpected result type ${String(resultType)}`, expr);
}

async function get(base: string, api: string, params: Record<string, string>): Promise<Series[]> {
  const url = new URL(`api/v1/${api}`, base.endsWith('/') ? base : `${base}/`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const expr = params.query ?? '';
  let answer: ApiAnswer;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    answer = (await response.json()) as ApiAnswer;
    if (!response.ok && answer.status !== 'error')
      throw new Error(`HTTP ${response.status} from ${url.origin}`);
  } catch (error) {
    const reason = error instanceof Error ? (error.cause ?? error) : error;
    throw new PrometheusError(
      `Prometheus at ${base} did not answer: ${reason instanceof Error ? reason.message : String(reason)}`,
      expr,
      { cause: error },
    );
  }
  return seriesOf(answer, expr);
}

/** Runs each query as an instant query at `time` (Unix seconds; Prometheus' now by default). */
export function instantQueries(base: string, time?: number): RunQuery {
  return (expr) => get(base, 'query', { query: expr, ...(time === undefined ? {} : { time: String(time) }) });
}

/** Runs each query over `[start, end]` (Unix seconds) every `stepSeconds`. */
export function rangeQueries(base: string, start: number, end: number, stepSeconds: number): RunQuery {
  return (expr) =>
    get(base, 'query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
}
