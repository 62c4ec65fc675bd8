/**
 * The EndpointSlices of a Service, computed from its selector, the pods it matches and the ports of
 * the backend servers, as kube-controller-manager's EndpointSlice controller would write them
 * (that controller is off in the lab, see scripts/lab/k8s-up.sh).
 *
 * - A backend pod whose server has a port gets a slice of its own: a slice's ports are shared by
 *   all its endpoints, and here every backend listens on a port of its own. The address is
 *   `127.0.0.1` with addressType FQDN, because the API rejects loopback addresses in IPv4 slices
 *   (ValidateEndpointIP) while `127.0.0.1` is a valid domain name of four labels.
 * - Any other pod is listed as the real controller lists it: its pod IP on the Service's target
 *   port, in slices of up to 100 endpoints that share their ports. Nothing listens there (kwok's
 *   IPs are made up), but the slice says which pods the Service has.
 */
import { createHash } from 'node:crypto';
import type {
  DiscoveryV1EndpointPort,
  V1Endpoint,
  V1EndpointConditions,
  V1EndpointSlice,
  V1Pod,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { Backends, SliceLabels } from './conventions';
import { isServing } from './pods';

/** An equality selector (`app=web,tier=front`), or an error message. */
export type ParsedSelector = { labels: Record<string, string> } | { error: string };

/** Endpoints per IP slice, kube-controller-manager's default (`--max-endpoints-per-slice`). */
export const MAX_ENDPOINTS_PER_SLICE = 100;

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseSelector(text: string): ParsedSelector {
  const labels: Record<string, string> = {};
  for (const term of text.split(',').map((t) => t.trim())) {
    const match = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(term);
    const [, key = '', value = ''] = match ?? [];
    if (!match || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value))
      return { error: `"${term}" is not key=value (the selector is "${text}")` };
    labels[key] = value;
  }
  return Object.keys(labels).length > 0 ? { labels } : { error: 'the selector is empty' };
}

/**
 * The selector whose pods are the Service's endpoints: `spec.selector`, else, for a selector-less
 * Service, the older lab annotation; `undefined` when the Service has neither (its slices are
 * someone else's) or is an ExternalName, which the real controller skips too.
 */
export function selectorOf(service: V1Service): ParsedSelector | undefined {
  if (service.spec?.type === 'ExternalName') return undefined;
  const selector = service.spec?.selector;
  if (selector && Object.keys(selector).length > 0) return { labels: selector };
  const annotation = service.metadata?.annotations?.[Backends.selectorAnnotation];
  return annotation === undefined ? undefined : parseSelector(annotation);
}

export function matches(pod: V1Pod, labels: Record<string, string>): boolean {
  const own = pod.metadata?.labels ?? {};
  return Object.entries(labels).every(([k, v]) => own[k] === v);
}

export function isBackend(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[Backends.backendLabel] === 'true';
}

/**
 * The conditions kube-controller-manager writes for a pod: `serving` is its Ready condition,
 * `terminating` whether it is being deleted, and `ready` serving and not terminating (or always,
 * for a Service that publishes not-ready addresses).
 */
export function conditionsOf(pod: V1Pod, publishNotReady = false): V1EndpointConditions {
  const serving = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  return { ready: publishNotReady || (serving && !terminating), serving, terminating };
}

/** `<service>-<pod>`, or `<service>-<pod uid>` when that would be too long for a name. */
export function sliceName(service: string, pod: V1Pod): string {
  const name = `${service}-${pod.metadata?.name ?? ''}`;
  return name.length <= 253 ? name : `${service.slice(0, 200)}-${pod.metadata?.uid ?? ''}`;
}

/** The Service's ports; a Service without any (headless) still gets one, unnamed. */
function servicePorts(service: V1Service): V1ServicePort[] {
  const ports = service.spec?.ports ?? [];
  return ports.length > 0 ? ports : [{ port: 0 }];
}

function metadataOf(service: V1Service, name: string): V1EndpointSlice['metadata'] {
  const serviceName = service.metadata?.name ?? '';
  return {
    name,
    namespace: service.metadata?.namespace,
    labels: { [SliceLabels.managedBy]: Backends.managedBy, [SliceLabels.serviceName]: serviceName },
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: serviceName,
        uid: service.metadata?.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

function endpointOf(service: V1Service, pod: V1Pod, address: string): V1Endpoint {
  return {
    addresses: [address],
    conditions: conditionsOf(pod, service.spec?.publishNotReadyAddresses === true),
    nodeName: pod.spec?.nodeName,
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata?.namespace,
      name: pod.metadata?.name,
      uid: pod.metadata?.uid,
    },
  };
}

/** The slice of one backend pod of a Service: `127.0.0.1` on the port its server listens on. */
export function sliceFor(service: V1Service, pod: V1Pod, port: number): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: metadataOf(service, sliceName(service.metadata?.name ?? '', pod)),
    addressType: 'FQDN',
    endpoints: [endpointOf(service, pod, '127.0.0.1')],
    ports: servicePorts(service).map((p) => ({
      name: p.name ?? '',
      protocol: p.protocol ?? 'TCP',
      port,
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    })),
  };
}

/**
 * The ports of a pod's endpoint: each Service port's `targetPort` (its `port` when unset), a name
 * looked up among the pod's container ports; a name the pod does not have leaves that port out, as
 * upstream's FindPort does.
 */
export function targetPortsOf(service: V1Service, pod: V1Pod): DiscoveryV1EndpointPort[] {
  const ports: DiscoveryV1EndpointPort[] = [];
  for (const p of service.spec?.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    const target = p.targetPort ?? p.port;
    const port =
      typeof target === 'number'
        ? target
        : /^\d+$/.test(target)
          ? Number(target)
          : pod.spec?.containers
              .flatMap((c) => c.ports ?? [])
              .find((c) => c.name === target && (c.protocol ?? 'TCP') === protocol)?.containerPort;
    if (port === undefined) continue;
    ports.push({
      name: p.name ?? '',
      protocol,
      port,
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    });
  }
  return ports;
}

/**
 * Whether a pod is an endpoint at all, as for kube-controller-manager: bound to a node and not
 * Succeeded or Failed. A pod being deleted stays, listed as terminating.
 */
export function isCandidate(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

const uidOf = (e: V1Endpoint) => e.targetRef?.uid ?? '';
const byPod = (a: V1Endpoint, b: V1Endpoint) =>
  (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? '');

/** What IP endpoints may share a slice: the address type and the ports. */
function groupKey(addressType: string, ports: readonly DiscoveryV1EndpointPort[]): string {
  return JSON.stringify([addressType, ports.map((p) => [p.name, p.protocol, p.port, p.appProtocol ?? ''])]);
}

interface Group {
  addressType: string;
  ports: DiscoveryV1EndpointPort[];
  endpoints: V1Endpoint[];
}

/**
 * Every slice the Service should have now, given the pods of its namespace, the port of each backend
 * pod's server (`undefined`: not a backend, or its server never listened) and the Service's slices
 * as they are. An IP endpoint stays in the slice it is in while it can, and new ones fill slices
 * with room before a new slice is made, so that one pod more rewrites one slice, not all of them.
 */
export function desiredSlices(
  service: V1Service,
  labels: Record<string, string>,
  pods: readonly V1Pod[],
  serverPort: (pod: V1Pod) => number | undefined,
  current: readonly V1EndpointSlice[],
): V1EndpointSlice[] {
  const serviceName = service.metadata?.name ?? '';
  const slices: V1EndpointSlice[] = [];
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    if (!matches(pod, labels) || !isCandidate(pod)) continue;
    const port = serverPort(pod);
    if (port !== undefined) {
      slices.push(sliceFor(service, pod, port));
      continue;
    }
    // A Ready backend without a port yet is about to listen, and gets its own slice then; listed
    // by its pod IP meanwhile, it would be a ready endpoint that leads nowhere.
    if (isBackend(pod) && isServing(pod)) continue;
    const ip = pod.status?.podIP;
    if (!ip) continue;
    const addressType = ip.includes(':') ? 'IPv6' : 'IPv4';
    const ports = targetPortsOf(service, pod);
    const key = groupKey(addressType, ports);
    const group = groups.get(key) ?? { addressType, ports, endpoints: [] };
    group.endpoints.push(endpointOf(service, pod, ip));
    groups.set(key, group);
  }

  const taken = new Set([...slices, ...current].map((s) => s.metadata?.name ?? ''));
  const ipSlices = current
    .filter((s) => s.addressType !== 'FQDN')
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const [key, group] of groups) {
    const wanted = new Map(group.endpoints.map((e) => [uidOf(e), e]));
    const placed = new Set<string>();
    const planned: { name: string; endpoints: V1Endpoint[] }[] = [];
    for (const slice of ipSlices) {
      if (groupKey(slice.addressType, slice.ports ?? []) !== key) continue;
      const kept: V1Endpoint[] = [];
      for (const e of slice.endpoints ?? []) {
        const want = wanted.get(uidOf(e));
        if (!want || placed.has(uidOf(e)) || kept.length >= MAX_ENDPOINTS_PER_SLICE) continue;
        kept.push(want);
        placed.add(uidOf(e));
      }
      planned.push({ name: slice.metadata?.name ?? '', endpoints: kept });
    }
    const rest = group.endpoints.filter((e) => !placed.has(uidOf(e)));
    for (const slice of planned) {
      const room = MAX_ENDPOINTS_PER_SLICE - slice.endpoints.length;
      if (room > 0) slice.endpoints.push(...rest.splice(0, room));
    }
    const base = `${serviceName}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    for (let i = 0; rest.length > 0; i++) {
      const name = `${base}-${i}`;
      if (taken.has(name)) continue;
      taken.add(name);
      planned.push({ name, endpoints: rest.splice(0, MAX_ENDPOINTS_PER_SLICE) });
    }
    for (const { name, endpoints } of planned) {
      if (endpoints.length === 0) continue;
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: metadataOf(service, name),
        addressType: group.addressType,
        endpoints: endpoints.sort(byPod),
        ports: group.ports,
      });
    }
  }
  return slices;
}

/**
 * What decides whether a written slice must be rewritten: everything but server-set metadata, with
 * objects turned into ordered lists (a watched object's keys need not come in the order written).
 */
export function sliceContent(slice: V1EndpointSlice): string {
  const labels = Object.entries(slice.metadata?.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    labels,
    slice.metadata?.ownerReferences?.map((o) => o.uid),
    slice.addressType,
    (slice.endpoints ?? []).map((e) => [
      e.addresses,
      e.conditions?.ready,
      e.conditions?.serving,
      e.conditions?.terminating,
      e.nodeName,
      e.targetRef?.name,
      e.targetRef?.uid,
    ]),
    slice.ports?.map((p) => [p.name, p.protocol, p.port, p.appProtocol]),
  ]);
}
