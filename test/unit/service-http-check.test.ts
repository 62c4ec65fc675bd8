/**
 * The connectivity check (src/activities/service/http-check.ts) against a real HTTP server on
 * 127.0.0.1: statuses judged against the accepted range, a timeout, a refused connection, no ready
 * endpoint, and at most `concurrency` checks in flight.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEndpoint, checkEndpoints, NO_READY_ENDPOINT } from '../../src/activities/service/http-check';
import type { ConnectivityCheck } from '../../src/domain';

const check2xx: ConnectivityCheck = { path: '/healthz', timeoutMs: 2000, status: { min: 200, max: 299 } };

let server: Server;
let address: string;
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

async function listen(onRequest: typeof handler): Promise<Server> {
  const s = createServer(onRequest);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
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
});

afterAll(() => close(server));

describe('checkEndpoint', () => {
  it('passes on a status within the accepted range and names any other', async () => {
    expect(await checkEndpoint(address, check2xx)).toEqual({ passed: true });
    expect(await checkEndpoint(address, { ...check2xx, path: '/status/503' })).toEqual({
      passed: false,
      why: 'HTTP 503',
    });
    expect(await checkEndpoint(address, { ...check2xx, path: '/status/204' })).toEqual({ passed: true });
  });

  it('accepts exactly the code when the check names one, and judges a redirect by its own status', async () => {
    const only204 = { ...check2xx, status: { min: 204, max: 204 } };
    expect(await checkEndpoint(address, { ...only204, path: '/status/200' })).toEqual({
      passed: false,
      why: 'HTTP 200',
    });
    expect(await checkEndpoint(address, { ...check2xx, path: '/status/301' })).toEqual({
      passed: false,
      why: 'HTTP 301',
    });
    const class3xx = { ...check2xx, path: '/status/301', status: { min: 300, max: 399 } };
    expect(await checkEndpoint(address, class3xx)).toEqual({ passed: true });
  });

  it('fails an endpoint that does not answer within the timeout', async () => {
    const verdict = await checkEndpoint(address, { ...check2xx, path: '/hang', timeoutMs: 200 });
    expect(verdict).toEqual({ passed: false, why: 'timeout after 200 ms' });
  });

  it('fails an endpoint that refuses the connection, naming why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkEndpoint(`127.0.0.1:${port}`, check2xx)).toEqual({
      passed: false,
      why: 'connection failed (ECONNREFUSED)',
    });
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

    const failing = await checkEndpoints([{ address, ready: true }], { ...check2xx, path: '/status/500' }, 4);
    expect(failing).toEqual({ checked: 1, passed: 0, failures: [`${address}: HTTP 500`] });
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
    const refused: typeof fetch = () => Promise.reject(new Error('no request expected'));
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
  });
});
