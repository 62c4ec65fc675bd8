/**
 * The one connectivity checker (src/activities/service/http-check.ts), used by the activities and
 * the detector alike, against real HTTP servers on 127.0.0.1: statuses judged against the accepted
 * range, a redirect judged as itself, a timeout, a refused connection, a Fetch-standard "bad port",
 * no ready endpoint, at most `concurrency` checks in flight, and no request without a check.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointCheck } from '../../src/activities/service/http-check';
import { checkEndpoint, checkEndpoints, NO_READY_ENDPOINT } from '../../src/activities/service/http-check';
import type { ServiceEndpoint } from '../../src/activities/service/types';
import type { ConnectivityCheck } from '../../src/domain';

const check2xx: ConnectivityCheck = { path: '/healthz', timeoutMs: 2000, status: { min: 200, max: 299 } };

let server: Server;
let address: string;
let endpoint: ServiceEndpoint;
/** `/slow` requests in flight now and at most; each waits in `held` until the test releases it. */
const inFlight = { now: 0, max: 0 };
const held: (() => void)[] = [];

/** `/healthz` 200, `/status/<code>` that code, `/hang` never answers, `/slow` when released (see `held`). */
function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (url === '/hang') return;
  if (url === '/slow') {
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    held.push(() => {
      inFlight.now -= 1;
      res.writeHead(200).end('ok');
    });
    return;
  }
  const status = Number(/^\/status\/(\d+)$/.exec(url)?.[1] ?? (url === '/healthz' ? 200 : 404));
  res.writeHead(status, status === 301 ? { location: '/healthz' } : {}).end('body');
}

async function listen(onRequest: typeof handler, port = 0): Promise<Server> {
  const s = createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', resolve);
  });
  return s;
}

const addressOf = (s: Server): string => `127.0.0.1:${(s.address() as AddressInfo).port}`;

async function close(s: Server): Promise<void> {
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
}

beforeAll(async () => {
  server = await listen(handler);
  address = addressOf(server);
  endpoint = { address, ready: true };
});

afterAll(() => close(server));

describe('checkEndpoint', () => {
  it('passes on a status within the accepted range and names the endpoint and any other status', async () => {
    expect(await checkEndpoint(endpoint, check2xx)).toBeUndefined();
    expect(await checkEndpoint(endpoint, { ...check2xx, path: '/status/204' })).toBeUndefined();
    expect(await checkEndpoint(endpoint, { ...check2xx, path: '/status/503' })).toBe(`${address}: HTTP 503`);
    const only503 = { ...check2xx, path: '/status/503', status: { min: 503, max: 503 } };
    expect(await checkEndpoint(endpoint, only503)).toBeUndefined();
  });

  it('accepts exactly the code when the check names one', async () => {
    const only204 = { ...check2xx, status: { min: 204, max: 204 } };
    expect(await checkEndpoint(endpoint, { ...only204, path: '/status/200' })).toBe(`${address}: HTTP 200`);
    expect(await checkEndpoint(endpoint, { ...only204, path: '/status/204' })).toBeUndefined();
  });

  it('judges a redirect as itself, not following it', async () => {
    expect(await checkEndpoint(endpoint, { ...check2xx, path: '/status/301' })).toBe(`${address}: HTTP 301`);
    const class3xx = { ...check2xx, path: '/status/301', status: { min: 300, max: 399 } };
    expect(await checkEndpoint(endpoint, class3xx)).toBeUndefined();
  });

  it('fails an endpoint that does not answer within the timeout', async () => {
    expect(await checkEndpoint(endpoint, { ...check2xx, path: '/hang', timeoutMs: 200 })).toBe(
      `${address}: timeout after 200 ms`,
    );
  });

  it('fails an endpoint that refuses the connection, naming why', async () => {
    const closed = await listen(handler);
    const gone = addressOf(closed);
    await close(closed);
    expect(await checkEndpoint({ address: gone, ready: true }, check2xx)).toBe(
      `${gone}: connection failed (ECONNREFUSED)`,
    );
  });

  it('checks an endpoint on a port fetch refuses as "bad" (6000, else another of them)', async () => {
    // fetch fails these before dialling; a healthy Service listening on one must pass.
    let bad: Server | undefined;
    for (const port of [6000, 6665, 6666, 6667, 6668, 6669, 5060, 5061, 10080]) {
      bad = await listen(handler, port).catch(() => undefined);
      if (bad) break;
    }
    if (!bad) throw new Error('no bad port free on 127.0.0.1');
    try {
      expect(await checkEndpoint({ address: addressOf(bad), ready: true }, check2xx)).toBeUndefined();
    } finally {
      await close(bad);
    }
  });
});

describe('checkEndpoints', () => {
  it('checks only ready endpoints, each address once, and lists the failures by address', async () => {
    const result = await checkEndpoints(
      [
        { address, ready: true },
        { address, ready: true, pod: 'again' },
        { address: '127.0.0.1:1', ready: false },
      ],
      check2xx,
      4,
    );
    expect(result).toEqual({ checked: 1, passed: 1, failures: [] });

    const failing = await checkEndpoints([endpoint], { ...check2xx, path: '/status/500' }, 4);
    expect(failing).toEqual({ checked: 1, passed: 0, failures: [`${address}: HTTP 500`] });
  });

  it('keeps the failures in the endpoints order, and counts a check that throws as failed', async () => {
    const fake: EndpointCheck = async (e) => {
      if (e.address === '10.0.0.3:80') throw new Error('boom');
      return e.address === '10.0.0.2:80' ? undefined : `${e.address}: HTTP 500`;
    };
    const endpoints = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'].map((a) => ({
      address: a,
      ready: true,
    }));
    expect(await checkEndpoints(endpoints, check2xx, 2, fake)).toEqual({
      checked: 4,
      passed: 1,
      failures: ['10.0.0.1:80: HTTP 500', '10.0.0.3:80: Error: boom', '10.0.0.4:80: HTTP 500'],
    });
  });

  it('counts no ready endpoint as one failure', async () => {
    expect(await checkEndpoints([], check2xx, 4)).toEqual({
      checked: 0,
      passed: 0,
      failures: [NO_READY_ENDPOINT],
    });
    expect(await checkEndpoints([{ address, ready: false }], check2xx, 4)).toEqual({
      checked: 0,
      passed: 0,
      failures: [NO_READY_ENDPOINT],
    });
  });

  it('keeps at most `concurrency` checks in flight', async () => {
    // Ten endpoints are ten servers (one address is checked once); each holds its request until released.
    const servers = await Promise.all(Array.from({ length: 10 }, () => listen(handler)));
    try {
      const endpoints = servers.map((s) => ({ address: addressOf(s), ready: true }));
      inFlight.max = 0;
      const done = checkEndpoints(endpoints, { ...check2xx, path: '/slow' }, 3);
      for (let released = 0; released < endpoints.length; released += 1) {
        // Every lane busy (or all that are left): release one, and its lane takes the next endpoint.
        while (held.length < Math.min(3, endpoints.length - released))
          await new Promise((resolve) => setTimeout(resolve, 2));
        held.shift()?.();
      }
      const result = await done;
      expect(result).toEqual({ checked: 10, passed: 10, failures: [] });
      expect(inFlight.max).toBe(3);
    } finally {
      await Promise.all(servers.map(close));
    }
  });
});

describe('a Service without an HTTP check', () => {
  test('passes each ready endpoint without a request (it may not speak HTTP), and still fails with none ready', async () => {
    const calls: string[] = [];
    const refused: EndpointCheck = (e) => {
      calls.push(e.address);
      return Promise.reject(new Error('no request expected'));
    };
    const endpoints = [
      { address: '10.0.0.1:5432', ready: true },
      { address: '10.0.0.2:5432', ready: false },
    ];
    expect(await checkEndpoints(endpoints, undefined, 4, refused)).toEqual({
      checked: 1,
      passed: 1,
      failures: [],
    });
    expect(await checkEndpoints([{ address: '10.0.0.2:5432', ready: false }], undefined, 4, refused)).toEqual(
      {
        checked: 0,
        passed: 0,
        failures: [NO_READY_ENDPOINT],
      },
    );
    expect(calls).toEqual([]);
  });
});
