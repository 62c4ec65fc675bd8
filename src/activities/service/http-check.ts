/**
 * The connectivity check of a Service: an HTTP GET of its check path on each ready endpoint, under
 * the check's timeout, judged by the statuses it accepts, with a bounded number in flight. Shared
 * by the activities (verification) and the detector (src/starter), so both judge an endpoint the
 * same way. No Kubernetes here: endpoints come in as addresses.
 */
import type { ConnectivityCheck } from '../../domain';
import type { ConnectivityResult, ServiceEndpoint } from './types';

/** The failure of a Service with nothing to check. */
export const NO_READY_ENDPOINT = 'no ready endpoint';

/** What one endpoint's check found: passed, or why not in a few words (`HTTP 503`, `timeout after 2000 ms`). */
export type EndpointVerdict = { passed: true } | { passed: false; why: string };

/**
 * GETs `http://<address><check.path>` once. Redirects are not followed: the endpoint's own status
 * is judged. Never throws: a refused connection or a timeout is a failed check.
 */
export async function checkEndpoint(
  address: string,
  check: ConnectivityCheck,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<EndpointVerdict> {
  try {
    const response = await fetchImpl(`http://${address}${check.path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(check.timeoutMs),
    });
    // The body is not read; cancelling it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    const { status } = response;
    return status >= check.status.min && status <= check.status.max
      ? { passed: true }
      : { passed: false, why: `HTTP ${status}` };
  } catch (error) {
    return { passed: false, why: failureText(error, check.timeoutMs) };
  }
}

/**
 * Checks every ready endpoint, at most `concurrency` at once. No ready endpoint is one failure,
 * {@link NO_READY_ENDPOINT}. Failures keep the endpoints' order. Without a check (a Service that
 * did not opt in to HTTP checks: it may not speak HTTP at all), a ready endpoint passes as it is.
 */
export async function checkEndpoints(
  endpoints: readonly ServiceEndpoint[],
  check: ConnectivityCheck | undefined,
  concurrency: number,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<ConnectivityResult> {
  const ready = [...new Set(endpoints.filter((e) => e.ready).map((e) => e.address))];
  if (ready.length === 0) return { checked: 0, passed: 0, failures: [NO_READY_ENDPOINT] };
  if (!check) return { checked: ready.length, passed: ready.length, failures: [] };
  const verdicts = new Array<EndpointVerdict>(ready.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < ready.length; i = next++)
      verdicts[i] = await checkEndpoint(ready[i] as string, check, fetchImpl);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ready.length)) }, lane));
  const failures = verdicts.flatMap((v, i) => (v.passed ? [] : [`${ready[i]}: ${v.why}`]));
  return { checked: ready.length, passed: ready.length - failures.length, failures };
}

/** A fetch failure in a few words: the timeout, or the socket's error code (ECONNREFUSED, ...). */
function failureText(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return `connection failed (${cause.code})`;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
