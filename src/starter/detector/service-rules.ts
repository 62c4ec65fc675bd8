/**
 * The service source's rules, pure: which Services are watched, their ready endpoints from their
 * EndpointSlices (the address each check dials), and the `NoReadyEndpoints` symptom. Bad input
 * (missing fields, odd types) gives no endpoint or no view, never a throw.
 */
import { SERVICE_NAME_LABEL } from '../../activities/kubernetes/service-trim';
import type { ServiceEndpoint } from '../../activities/service/types';
import type { RecoveryConfig } from '../../config/recovery-config';
import { statusRange } from '../../config/service-config';
import type { AnnotationProblem, ServiceSpec, ServiceTarget } from '../../domain';
import { parseServiceSpec } from '../../domain';
import { isRecord, stringsOf } from './rules';

/** What the rules read of a Service. */
export interface ServiceView extends ServiceTarget {
  type?: string;
  /** `spec.selector` has at least one label: the endpoints controller manages its slices. */
  hasSelector: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** `shop/web`: a Service's key in the source's maps. */
export const serviceKey = (s: ServiceTarget): string => `${s.namespace}/${s.name}`;

/** The view of a (trimmed) Service; undefined without a name and a namespace. */
export function serviceViewOf(service: unknown): ServiceView | undefined {
  if (!isRecord(service) || !isRecord(service.metadata)) return undefined;
  const { name, namespace, labels, annotations } = service.metadata;
  if (typeof name !== 'string' || typeof namespace !== 'string' || !name || !namespace) return undefined;
  const spec = isRecord(service.spec) ? service.spec : {};
  return {
    namespace,
    name,
    ...(typeof spec.type === 'string' ? { type: spec.type } : {}),
    hasSelector: Object.keys(stringsOf(spec.selector)).length > 0,
    labels: stringsOf(labels),
    annotations: stringsOf(annotations),
  };
}

/** The key of the Service an EndpointSlice belongs to (its `kubernetes.io/service-name` label). */
export function sliceServiceKey(slice: unknown): string | undefined {
  if (!isRecord(slice) || !isRecord(slice.metadata)) return undefined;
  const { namespace, labels } = slice.metadata;
  const service = stringsOf(labels)[SERVICE_NAME_LABEL];
  return typeof namespace === 'string' && service ? `${namespace}/${service}` : undefined;
}

/** `namespace/name` of an object, for the slice index. */
export function objectKey(object: unknown): string | undefined {
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  const { namespace, name } = object.metadata;
  return typeof namespace === 'string' && typeof name === 'string' ? `${namespace}/${name}` : undefined;
}

/**
 * The endpoints of one slice: the first address and the slice's first TCP port (`10.0.0.7:8080`,
 * `[fd00::7]:8080`, `db.example.com:5432` for FQDN slices). Ready unless `conditions.ready` is
 * false (unknown counts as ready, as the API says). An endpoint without an address is dropped;
 * one without a port keeps an empty address: it counts for readiness but cannot be checked.
 */
export function endpointsOfSlice(slice: unknown): ServiceEndpoint[] {
  if (!isRecord(slice) || !Array.isArray(slice.endpoints)) return [];
  const port = tcpPort(slice.ports);
  const ipv6 = slice.addressType === 'IPv6';
  return slice.endpoints.flatMap((endpoint: unknown): ServiceEndpoint[] => {
    if (!isRecord(endpoint) || !Array.isArray(endpoint.addresses)) return [];
    const [host] = endpoint.addresses as unknown[];
    if (typeof host !== 'string' || host === '') return [];
    const conditions = isRecord(endpoint.conditions) ? endpoint.conditions : {};
    const pod = isRecord(endpoint.targetRef) ? endpoint.targetRef.name : undefined;
    return [
      {
        address: port === undefined ? '' : `${ipv6 ? `[${host}]` : host}:${port}`,
        ready: conditions.ready !== false,
        ...(typeof pod === 'string' ? { pod } : {}),
      },
    ];
  });
}

function tcpPort(ports: unknown): number | undefined {
  if (!Array.isArray(ports)) return undefined;
  for (const p of ports as unknown[])
    if (isRecord(p) && typeof p.port === 'number' && (p.protocol ?? 'TCP') === 'TCP') return p.port;
  return undefined;
}

/** Why a Service is not watched at all, or undefined when it is. */
export function unwatchedReason(view: ServiceView, slices: number): string | undefined {
  if (view.namespace === 'default' && view.name === 'kubernetes') return 'the API server itself';
  if (view.type === 'ExternalName') return 'type ExternalName';
  if (!view.hasSelector && slices === 0) return 'no selector and no EndpointSlices';
  return undefined;
}

/** The product's opt-out label on the Service, named, or undefined. */
export function serviceOptOut(view: ServiceView, label: string): string | undefined {
  return view.labels[label] === 'true' ? `label ${label}=true` : undefined;
}

/** The endpoints verdict: no ready endpoint (a symptom), or the ready ones to check. */
export function judgeEndpoints(
  endpoints: readonly ServiceEndpoint[],
  slices: number,
): { noReady?: string; ready: ServiceEndpoint[] } {
  const ready = endpoints.filter((e) => e.ready);
  if (ready.length > 0) return { ready };
  if (slices === 0) return { noReady: 'no EndpointSlices for its selector', ready };
  const total = endpoints.length;
  return { noReady: `no ready endpoint (${total} endpoint${total === 1 ? '' : 's'} not ready)`, ready };
}

/** The Service's annotations parsed over the config's defaults (`service.check_*`, `min/max_replicas`). */
export function serviceSpecOf(
  view: ServiceView,
  config: RecoveryConfig,
): { spec: ServiceSpec } | { problems: AnnotationProblem[] } {
  const s = config.service;
  return parseServiceSpec(view, view.annotations, {
    check: { path: s.check_path, timeoutMs: s.check_timeout * 1000, status: statusRange(s.check_status) },
    scaling: { min: s.min_replicas, max: s.max_replicas },
  });
}
