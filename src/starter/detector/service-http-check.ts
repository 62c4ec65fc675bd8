/**
 * The detector's connectivity check of one endpoint: HTTP GET `http://<address><path>`, judged by
 * its status within the timeout. Behind {@link EndpointCheck} so the activities' checker
 * (src/activities/service/http-check.ts, `checkEndpoints`) can replace it: the same idea, one
 * endpoint at a time, the detector bounding how many run at once across Services.
 */
import type { ServiceEndpoint } from '../../activities/service/types';
import type { ConnectivityCheck } from '../../domain';
import { errorText } from '../../logging';

/** Checks one endpoint. @returns undefined when it answered as expected, else why not, in one line. */
export type EndpointCheck = (
  endpoint: ServiceEndpoint,
  check: ConnectivityCheck,
) => Promise<string | undefined>;

/** The {@link EndpointCheck} over HTTP (redirects are not followed: a 301 is judged as a 301). */
export const httpEndpointCheck: EndpointCheck = async (endpoint, check) => {
  const where = endpoint.address;
  try {
    const response = await fetch(`http://${where}${check.path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(check.timeoutMs),
    });
    await response.body?.cancel();
    const { status } = response;
    if (status >= check.status.min && status <= check.status.max) return undefined;
    return `${where}: HTTP ${status}`;
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError')
      return `${where}: timeout after ${check.timeoutMs} ms`;
    const cause = error instanceof Error && error.cause ? errorText(error.cause) : errorText(error);
    return `${where}: ${cause}`;
  }
};
