/**
 * Trimming the objects of the detector's service source before its informers cache them. A
 * Service keeps its identity, the opt-out label, the product's own annotations
 * (`self-healing.temporal.io/*`), its type and its selector. An EndpointSlice keeps its identity,
 * the `kubernetes.io/service-name` label, its address type, its ports (name, port, protocol) and,
 * per endpoint, the first address, the `ready` condition and the pod it points at.
 */
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { KeepLabel } from './pod-trim';

/** The label that names an EndpointSlice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const PRODUCT_ANNOTATION = 'self-healing.temporal.io/';

/** What is kept of a Service. Exported for tests. */
export function trimService(service: V1Service, keepLabel: KeepLabel): V1Service {
  const metadata = service?.metadata ?? {};
  const selector = service?.spec?.selector;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      labels: kept(metadata.labels, keepLabel),
      annotations: kept(metadata.annotations, (key) => key.startsWith(PRODUCT_ANNOTATION)),
    },
    spec: {
      type: service?.spec?.type,
      ...(selector && typeof selector === 'object' ? { selector: { ...selector } } : {}),
    },
  };
}

/** What is kept of an EndpointSlice. Exported for tests. */
export function trimEndpointSlice(slice: V1EndpointSlice): V1EndpointSlice {
  const metadata = slice?.metadata ?? {};
  const serviceName = metadata.labels?.[SERVICE_NAME_LABEL];
  const endpoints = Array.isArray(slice?.endpoints) ? slice.endpoints : [];
  const ports = Array.isArray(slice?.ports) ? slice.ports : [];
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      labels: serviceName === undefined ? undefined : { [SERVICE_NAME_LABEL]: serviceName },
    },
    addressType: slice?.addressType,
    endpoints: endpoints.map((e) => ({
      addresses: Array.isArray(e?.addresses) ? e.addresses.slice(0, 1) : [],
      conditions: { ready: e?.conditions?.ready },
      ...(e?.targetRef?.name ? { targetRef: { kind: e.targetRef.kind, name: e.targetRef.name } } : {}),
    })),
    ports: ports.map((p) => ({ name: p?.name, port: p?.port, protocol: p?.protocol })),
  };
}

function kept(
  map: Record<string, string> | undefined,
  keep: (key: string) => boolean,
): Record<string, string> | undefined {
  if (!map || typeof map !== 'object') return undefined;
  const out = Object.entries(map).filter(([key]) => keep(key));
  return out.length > 0 ? Object.fromEntries(out) : undefined;
}
