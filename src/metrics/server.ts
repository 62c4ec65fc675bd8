/**
 * Serves a registry at `/metrics` in Prometheus' text format. Anything else answers 404; a failing
 * collector answers 500 with its message, and the next scrape tries again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging';

export interface MetricsEndpoint {
  /** Where it listens, e.g. `127.0.0.1:9464`. */
  readonly address: string;
  close(): Promise<void>;
}

export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: unknown) =>
        response.writeHead(500).end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `${address}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The process's endpoint as its environment asks (`METRICS_PORT` 0: none). A port already taken
 * (a second worker on one host, say) is logged and the process runs on without the endpoint:
 * metrics are never a reason for a recovery process not to run.
 */
export async function startMetricsEndpoint(
  registry: Registry,
  env: { host: string; port: number },
  logger: Pick<Logger, 'info' | 'error'>,
): Promise<MetricsEndpoint | undefined> {
  if (env.port === 0) return undefined;
  try {
    const endpoint = await serveMetrics(registry, env.host, env.port);
    logger.info('metrics served', { url: `http://${endpoint.address}/metrics` });
    return endpoint;
  } catch (error) {
    logger.error('metrics not served: the address is not available; set METRICS_PORT to a free port', {
      address: `${env.host}:${env.port}`,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

/** True when `host:port` can be listened on now (the Temporal SDK's endpoint is checked this way first). */
export async function addressFree(host: string, port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
