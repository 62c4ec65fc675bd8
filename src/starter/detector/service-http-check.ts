/**
 * The detector's connectivity check of one endpoint: HTTP GET `http://<address><path>`, judged by
 * its status within the timeout. Behind {@link EndpointCheck} so the activities' checker
 * (src/activities/service/http-check.ts, `checkEndpoints`) can replace it: the same idea, one
 * endpoint at a time, the detector bounding how many run at once across Services.
 *
 * Why node:http and not fetch: fetch refuses the "bad ports" of the Fetch standard (6000, 6667,
 * 5060 …) before dialling, which would fail a healthy Service listening on one; and it follows
 * redirects, where a 301 must be judged as a 301.
 */
import { get } from 'node:http';
import type { ServiceEndpoint } from '../../activities/service/types';
import type { ConnectivityCheck } from '../../domain';
import { errorText } from '../../logging';

/** Checks one endpoint. @returns undefined when it answered as expected, else why not, in one line. */
export type EndpointCheck = (
  endpoint: ServiceEndpoint,
  check: ConnectivityCheck,
) => Promise<string | undefined>;

/** The {@link EndpointCheck} over HTTP/1.1, one connection per check (no keep-alive pool to leak). */
export const httpEndpointCheck: EndpointCheck = (endpoint, check) =>
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
      response.resume();
      done(status >= check.status.min && status <= check.status.max ? undefined : `${where}: HTTP ${status}`);
    });
    request.on('error', (error) => done(`${where}: ${errorText(error)}`));
    // The whole exchange (connect, send, status line) within the timeout, not just socket idleness.
    const timer = setTimeout(() => done(`${where}: timeout after ${check.timeoutMs} ms`), check.timeoutMs);
  });
