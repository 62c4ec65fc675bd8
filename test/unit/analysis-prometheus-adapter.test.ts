/**
 * The Prometheus adapter (src/activities/metrics-source/prometheus.ts) against a tiny local server
 * speaking Prometheus' documented JSON API: sample strings (`NaN`, `+Inf`) parsed, empty results
 * empty, and every failure classified once: `InvalidQuery` (400 bad_data, 422) or
 * `MetricSourceUnavailable` (5xx, not the API, refused, timeout). The real Prometheus is tested on
 * the lab.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvalidQuery,
  MetricSourceUnavailable,
  createPrometheusSource,
} from '../../src/activities/metrics-source';

type Handler = (path: string, form: URLSearchParams, res: ServerResponse) => void;

let server: Server;
let handler: Handler;
let url: string;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const success = (data: unknown) => ({ status: 'success', data });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req.url ?? '', new URLSearchParams(body), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the Prometheus adapter', () => {
  test('an instant vector: labels, times in ms, and NaN / ±Inf sample strings', async () => {
    let seen: [string, string | null, string | null] = ['', null, null];
    handler = (path, form, res) => {
      seen = [path, form.get('query'), form.get('time')];
      json(
        res,
        200,
        success({
          resultType: 'vector',
          result: [
            { metric: { node: 'a' }, value: [1767225600.5, '81.25'] },
            { metric: { node: 'b' }, value: [1767225600.5, 'NaN'] },
            { metric: { node: 'c' }, value: [1767225600.5, '+Inf'] },
            { metric: { node: 'd' }, value: [1767225600.5, '-Inf'] },
            { metric: { node: 'e' }, histogram: [1767225600.5, { count: '1' }] },
          ],
        }),
      );
    };
    const source = createPrometheusSource({ url: `${url}/` });
    const samples = await source.instant('cpu', 1_767_225_600_500);
    expect(seen).toEqual(['/api/v1/query', 'cpu', '1767225600.5']);
    expect(samples).toEqual([
      { labels: { node: 'a' }, t: 1_767_225_600_500, v: 81.25 },
      { labels: { node: 'b' }, t: 1_767_225_600_500, v: NaN },
      { labels: { node: 'c' }, t: 1_767_225_600_500, v: Infinity },
      { labels: { node: 'd' }, t: 1_767_225_600_500, v: -Infinity },
    ]);
  });

  test('an empty vector is an empty result, a scalar one unlabelled sample', async () => {
    handler = (_p, form, res) =>
      json(
        res,
        200,
        success(
          form.get('query') === 'none'
            ? { resultType: 'vector', result: [] }
            : { resultType: 'scalar', result: [1767225600, '2'] },
        ),
      );
    const source = createPrometheusSource({ url });
    await expect(source.instant('none')).resolves.toEqual([]);
    await expect(source.instant('scalar(1)')).resolves.toEqual([{ labels: {}, t: 1_767_225_600_000, v: 2 }]);
  });

  test('a range query: start, end and step sent in seconds; a matrix read back', async () => {
    let form = new URLSearchParams();
    handler = (path, f, res) => {
      form = f;
      expect(path).toBe('/api/v1/query_range');
      json(
        res,
        200,
        success({
          resultType: 'matrix',
          result: [
            {
              metric: { service: 'api' },
              values: [
                [1, '1'],
                [31, 'NaN'],
              ],
            },
          ],
        }),
      );
    };
    const series = await createPrometheusSource({ url }).range('q', 1_000, 31_000, 30);
    expect([form.get('start'), form.get('end'), form.get('step')]).toEqual(['1', '31', '30']);
    expect(series).toEqual([
      {
        labels: { service: 'api' },
        samples: [
          { t: 1_000, v: 1 },
          { t: 31_000, v: NaN },
        ],
      },
    ]);
  });

  test("parse: Prometheus' parser accepts a query, and rejects one with its reason", async () => {
    handler = (path, form, res) => {
      expect(path).toBe('/api/v1/parse_query');
      if (form.get('query') === 'up') json(res, 200, success({ type: 'vectorSelector', name: 'up' }));
      else
        json(res, 400, {
          status: 'error',
          errorType: 'bad_data',
          error: 'invalid parameter "query": 1:6: parse error: unclosed left parenthesis',
        });
    };
    const source = createPrometheusSource({ url });
    await expect(source.parse('up')).resolves.toEqual({ valid: true });
    await expect(source.parse('rate(')).resolves.toEqual({
      valid: false,
      error: 'invalid parameter "query": 1:6: parse error: unclosed left parenthesis',
    });
  });

  test('400 bad_data and 422 are InvalidQuery', async () => {
    const source = createPrometheusSource({ url });
    handler = (_p, _f, res) =>
      json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' });
    await expect(source.instant('rate(')).rejects.toMatchObject({
      name: 'InvalidQuery',
      status: 400,
      query: 'rate(',
    });
    handler = (_p, _f, res) =>
      json(res, 422, { status: 'error', errorType: 'execution', error: 'many-to-many' });
    await expect(source.instant('a / b')).rejects.toBeInstanceOf(InvalidQuery);
  });

  test('5xx, a body that is not the API, and a 404 (no parse_query before Prometheus 3) are MetricSourceUnavailable', async () => {
    const source = createPrometheusSource({ url });
    handler = (_p, _f, res) =>
      json(res, 503, { status: 'error', errorType: 'unavailable', error: 'shutting down' });
    await expect(source.instant('up')).rejects.toMatchObject({
      name: 'MetricSourceUnavailable',
      status: 503,
    });
    handler = (_p, _f, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    };
    await expect(source.instant('up')).rejects.toBeInstanceOf(MetricSourceUnavailable);
    handler = (_p, _f, res) => {
      res.writeHead(404);
      res.end('404 page not found');
    };
    await expect(source.parse('up')).rejects.toBeInstanceOf(MetricSourceUnavailable);
  });

  test('a refused connection and a timeout are MetricSourceUnavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      createPrometheusSource({ url: `http://127.0.0.1:${port}` }).instant('up'),
    ).rejects.toBeInstanceOf(MetricSourceUnavailable);
    handler = () => undefined; // never answers
    await expect(createPrometheusSource({ url, timeoutMs: 200 }).instant('up')).rejects.toThrow(
      /no answer within 200 ms/,
    );
  });
});
