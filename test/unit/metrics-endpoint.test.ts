import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { addressFree, startMetricsEndpoint } from '../../src/metrics/server';

describe("a process's metrics endpoint", () => {
  test('a port already taken is logged and the process goes on without the endpoint', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const errors: unknown[] = [];
    const logger = { info: () => undefined, error: (...args: unknown[]) => errors.push(args) };
    try {
      expect(await addressFree('127.0.0.1', port)).toBe(false);
      expect(await startMetricsEndpoint(new Registry(), { host: '127.0.0.1', port }, logger)).toBeUndefined();
      expect(JSON.stringify(errors)).toMatch(new RegExp(`METRICS_PORT.*127\\.0\\.0\\.1:${port}`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    expect(await addressFree('127.0.0.1', port)).toBe(true);
  });

  test('port 0 means no endpoint', async () => {
    const logger = { info: () => undefined, error: () => undefined };
    expect(
      await startMetricsEndpoint(new Registry(), { host: '127.0.0.1', port: 0 }, logger),
    ).toBeUndefined();
  });
});
