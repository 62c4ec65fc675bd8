/**
 * The detector's HTTP check of one endpoint against a real server on 127.0.0.1: the expected status
 * passes, any other (a redirect included) fails naming it, a server that never answers fails as a
 * timeout, a closed port as the connection error.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpEndpointCheck } from '../../src/starter/detector/service-http-check';

let server: Server;
let address = '';
const check = (path: string, status = { min: 200, max: 299 }) => ({ path, timeoutMs: 500, status });

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/never') return; // holds the request open: a hung backend
    response.statusCode = request.url === '/moved' ? 301 : request.url === '/down' ? 503 : 200;
    if (response.statusCode === 301) response.setHeader('location', '/healthz');
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('an expected status passes; another fails naming the endpoint and the status', async () => {
  expect(await httpEndpointCheck({ address, ready: true }, check('/healthz'))).toBeUndefined();
  expect(await httpEndpointCheck({ address, ready: true }, check('/down'))).toBe(`${address}: HTTP 503`);
  expect(
    await httpEndpointCheck({ address, ready: true }, check('/down', { min: 503, max: 503 })),
  ).toBeUndefined();
});

test('a redirect is judged as itself, not followed', async () => {
  expect(await httpEndpointCheck({ address, ready: true }, check('/moved'))).toBe(`${address}: HTTP 301`);
});

test('a server that never answers fails as a timeout', async () => {
  expect(await httpEndpointCheck({ address, ready: true }, check('/never'))).toBe(
    `${address}: timeout after 500 ms`,
  );
});

test('a closed port fails with the connection error', async () => {
  expect(await httpEndpointCheck({ address: '127.0.0.1:1', ready: true }, check('/'))).toMatch(
    /^127\.0\.0\.1:1: .*ECONNREFUSED/,
  );
});
