/**
 * The connectivity check of a Service: an HTTP GET of its check path on each ready endpoint, under
 * the check's timeout, judged by the statuses it accepts, with a bounded number in flight. The one
 * checker of the product: the activities (verification) use {@link checkEndpoints}, the detector
 * (src/starter/detector/service-checks.ts) runs {@link checkEndpoint} under its shared limiter, so
 * both judge an endpoint the same way. No Kubernetes here: endpoints come in as addresses.
 *
 * Why node:http and not fetch: fetch refuses the "bad ports" of the Fetch standard (6000, 6667,
 * 5060 …) before dialling, which would fail a healthy Service listening on one; and it follows
 * redirects, where a 301 must be judged as a 301.
 */
import { get } from 'node:http';
import type { ConnectivityCheck } from '../../domain';
import { errorText } from '../../logging';
import type { ConnectivityResult, ServiceEndpoint } from './types';

/** The failure of a Service with nothing to check. */
export const NO_READY_ENDPOINT = 'no ready endpoint';

/**
 * Checks one endpoint. @returns undefined when it answered as expected, else why not in one line,
 * naming the endpoint (`10.0.0.7:8080: HTTP 503`, `…: timeout after 2000 ms`). Never rejects.
 */
export type EndpointCheck = (
  endpoint: ServiceEndpoint,
  check: ConnectivityCheck,
) => Promise<string | undefined>;

/**
 * The {@link EndpointCheck} over HTTP/1.1: GETs `http://<address><check.path>` once, one connection
 * per check (no keep-alive pool to leak). Redirects are not followed: the endpoint's own status is
 * judged. A refused connection or a timeout is a failed check.
 */
export const checkEndpoint: EndpointCheck = (endpoint, check) =>
  new Promise((resolve) => {
    const where = endpoint.address;
    let settled = false;
    const done = (answer: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(answer);
    };
    const request = get(`http://${where}${check.path}`, { agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      // The body is not read; draining it frees the socket.
      response.resume();
      done(status >= check.status.min && status <= check.status.max ? undefined : `${where}: HTTP ${status}`);
    });
    request.on('error', (error) => done(`${where}: ${failureText(error)}`));
    // The whole exchange (connect, send, status line) within the timeout, not just socket idleness.
    const timer = setTimeout(() => done(`${where}: timeout after ${check.timeoutMs} ms`), check.timeoutMs);
  });

/**
 * Checks every ready endpoint (each address once) with `endpointCheck`, at most `concurrency` at
 * once. No ready endpoint is one failure, {@link NO_READY_ENDPOINT}. Failures keep the endpoints'
 * order. Without a check (a Service that did not opt in to HTTP checks: it may not speak HTTP at
 * all), a ready endpoint passes as it is.
 */
export async function checkEndpoints(
  endpoints: readonly ServiceEndpoint[],
  check: ConnectivityCheck | undefined,
  concurrency: number,
  endpointCheck: EndpointCheck = checkEndpoint,
): Promise<ConnectivityResult> {
  const byAddress = new Map<string, ServiceEndpoint>();
  for (const e of endpoints) if (e.ready && !byAddress.has(e.address)) byAddress.set(e.address, e);
  const ready = [...byAddress.values()];
  if (ready.length === 0) return { checked: 0, passed: 0, failures: [NO_READY_ENDPOINT] };
  if (!check) return { checked: ready.length, passed: ready.length, failures: [] };
  const answers = new Array<string | undefined>(ready.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < ready.length; i = next++) {
      const endpoint = ready[i] as ServiceEndpoint;
      answers[i] = await endpointCheck(endpoint, check).catch(
        (error: unknown) => `${endpoint.address}: ${errorText(error)}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ready.length)) }, lane));
  const failures = answers.filter((a): a is string => a !== undefined);
  return { checked: ready.length, passed: ready.length - failures.length, failures };
}

/** A socket error in a few words: its code (ECONNREFUSED, EHOSTUNREACH …), else the error itself. */
function failureText(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `connection failed (${code})` : errorText(error);
}
