/**
 * A load generator for the lab backends: sends a steady number of requests a second to a Service,
 * spread round-robin over the ready endpoints its EndpointSlices list (watched, as kube-proxy
 * would), and reports what came back. For tests and benchmarks of recovery under load.
 */
import { Agent, request } from 'node:http';
import type { KubeConfig, V1EndpointSlice } from '@kubernetes/client-node';
import { DiscoveryV1Api, makeInformer } from '@kubernetes/client-node';
import { SliceLabels } from './conventions';

export interface LoadOptions {
  /** Requests a second. */
  rps: number;
  durationMs: number;
  /** Per request. @default 5000 */
  timeoutMs?: number;
  /** Stops early. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Requests started: `rps × durationMs / 1000` unless aborted, including ticks without an endpoint. */
  sent: number;
  /** Answers by HTTP status, e.g. `{ "200": 95, "500": 5 }`. */
  byStatus: Record<string, number>;
  /** Requests without an answer, by error code (`ECONNREFUSED`, `ECONNRESET`, `timeout`). */
  errors: Record<string, number>;
  /** Ticks at which the Service had no ready endpoint. */
  noEndpoint: number;
  /** Answered requests' latencies in milliseconds, sorted. */
  latenciesMs: number[];
  /** Answers by the pod that gave them (header `x-lab-pod`). */
  byPod: Record<string, number>;
}

function readyUrls(slices: readonly V1EndpointSlice[]): string[] {
  return slices
    .flatMap((slice) =>
      (slice.endpoints ?? [])
        .filter((e) => e.conditions?.ready !== false)
        .flatMap((e) => (slice.ports ?? []).flatMap((p) => e.addresses.map((a) => `http://${a}:${p.port}/`))),
    )
    .sort();
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Sends `rps` requests a second to the Service for `durationMs`, and resolves when all are done. */
export async function generateLoad(
  kc: KubeConfig,
  namespace: string,
  service: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const selector = `${SliceLabels.serviceName}=${service}`;
  const slices = makeInformer(
    kc,
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector: selector }),
    selector,
  );
  await slices.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const result: LoadResult = { sent: 0, byStatus: {}, errors: {}, noEndpoint: 0, latenciesMs: [], byPod: {} };
  const inFlight: Promise<void>[] = [];
  const interval = 1_000 / options.rps;
  const started = performance.now();
  let next = 0;
  try {
    const ticks = Math.floor((options.rps * options.durationMs) / 1_000);
    for (let tick = 0; tick < ticks && !options.signal?.aborted; tick++) {
      const wait = started + tick * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      result.sent += 1;
      const urls = readyUrls(slices.list());
      const url = urls[next++ % Math.max(urls.length, 1)];
      if (url === undefined) {
        result.noEndpoint += 1;
        continue;
      }
      inFlight.push(send(url, agent, options.timeoutMs ?? 5_000, result));
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
    await slices.stop();
  }
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}

function send(url: string, agent: Agent, timeoutMs: number, result: LoadResult): Promise<void> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        result.latenciesMs.push(performance.now() - started);
        bump(result.byStatus, String(res.statusCode));
        bump(result.byPod, String(res.headers['x-lab-pod'] ?? ''));
        resolve();
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        bump(result.errors, error.code ?? error.message);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      bump(result.errors, error.code ?? error.message);
      resolve();
    });
    req.end();
  });
}
