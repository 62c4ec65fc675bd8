/**
 * Helpers for tests and benchmarks that use the lab backends: create a backend (a Deployment and a
 * Service selecting its pods), read its endpoints as a client of the Service would (from its
 * EndpointSlices), and read the backends' metrics.
 */
import { request } from 'node:http';
import type { KubeConfig, V1Deployment, V1Service } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { Backends, SliceLabels } from './conventions';

/** A backend's shape and knobs (the knobs go on its pod template). */
export interface BackendSpec {
  /** @default 1 */
  replicas?: number;
  latencyMs?: number;
  errorRate?: number;
  /** Requests per second served at full speed; the latency applies only above it. */
  capacityRps?: number;
  /** A Service of the namespace it calls per request: 503 while that has no ready endpoint. */
  upstream?: string;
  /** Port of the Service (clients read the real one from the EndpointSlices). @default 80 */
  servicePort?: number;
}

/** The annotations that set a backend instance's knobs (omitted knobs are left out). */
export function knobAnnotations(
  knobs: Pick<BackendSpec, 'latencyMs' | 'errorRate' | 'capacityRps' | 'upstream'>,
): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (knobs.upstream !== undefined) annotations[Backends.upstreamAnnotation] = knobs.upstream;
  if (knobs.capacityRps !== undefined) annotations[Backends.capacityAnnotation] = String(knobs.capacityRps);
  if (knobs.latencyMs !== undefined) annotations[Backends.latencyAnnotation] = String(knobs.latencyMs);
  if (knobs.errorRate !== undefined) annotations[Backends.errorRateAnnotation] = String(knobs.errorRate);
  return annotations;
}

/** The port backend containers declare (nothing listens there: the lab backends pick their own). */
const CONTAINER_PORT = 8080;

/** A Deployment whose pods (labelled `app=<name>`) are backends. */
export function backendDeployment(name: string, spec: BackendSpec = {}): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: spec.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name, [Backends.backendLabel]: 'true' },
          annotations: knobAnnotations(spec),
        },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name,
              image: `registry.example.invalid/${name}:1.0`,
              ports: [{ containerPort: CONTAINER_PORT }],
            },
          ],
        },
      },
    },
  };
}

/**
 * A Service selecting the pods labelled `app=<name>`. Its slices, written by the lab backends, list
 * each backend pod at its server; the target port is the container's, as on a real cluster.
 */
export function backendService(name: string, spec: BackendSpec = {}): V1Service {
  return {
    metadata: { name },
    spec: {
      selector: { app: name },
      ports: [{ name: 'http', port: spec.servicePort ?? 80, targetPort: CONTAINER_PORT, protocol: 'TCP' }],
    },
  };
}

/** Creates the Deployment and the Service of a backend named `name`. */
export async function createBackend(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: BackendSpec = {},
): Promise<void> {
  await kc
    .makeApiClient(AppsV1Api)
    .createNamespacedDeployment({ namespace, body: backendDeployment(name, spec) });
  await kc.makeApiClient(CoreV1Api).createNamespacedService({ namespace, body: backendService(name, spec) });
}

/** One endpoint of a Service, as its EndpointSlices list it. */
export interface Endpoint {
  pod: string;
  url: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The endpoints of a Service from all its EndpointSlices (whoever manages them), sorted by pod. */
export async function endpointsOf(kc: KubeConfig, namespace: string, service: string): Promise<Endpoint[]> {
  const slices = await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
    namespace,
    labelSelector: `${SliceLabels.serviceName}=${service}`,
  });
  return slices.items
    .flatMap((slice) =>
      (slice.endpoints ?? []).flatMap((e) =>
        (slice.ports ?? []).flatMap((p) =>
          e.addresses.map((address) => ({
            pod: e.targetRef?.name ?? '',
            url: `http://${address}:${p.port}`,
            port: p.port ?? 0,
            ready: e.conditions?.ready ?? false,
            serving: e.conditions?.serving ?? false,
            terminating: e.conditions?.terminating ?? false,
          })),
        ),
      ),
    )
    .sort((a, b) => a.pod.localeCompare(b.pod));
}

/**
 * The port of the backends' `/metrics`: `LAB_BACKENDS_METRICS_PORT`, which scripts/lab/up.sh writes
 * to `$STATE_DIR/env` (scripts/test.sh exports it).
 */
export function backendsMetricsPort(): number {
  return Number(process.env.LAB_BACKENDS_METRICS_PORT ?? Backends.defaultMetricsPort);
}

/** An answer of a plain HTTP GET. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A plain HTTP GET (no agent, so a stopped server is seen at once). @throws on connection errors. */
export function httpGet(url: string, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The backends' metrics in the text format. */
export async function backendsMetrics(port = backendsMetricsPort()): Promise<string> {
  const answer = await httpGet(`http://127.0.0.1:${port}/metrics`);
  if (answer.status !== 200) throw new Error(`GET /metrics of the lab backends answered ${answer.status}`);
  return answer.body;
}
