/**
 * The EndpointSlices of a backend Service, computed from its selector annotation, its backend pods
 * and their ports. One slice per pod that has had a server: a slice's ports are shared by all its
 * endpoints, and here every pod listens on a port of its own. The address is `127.0.0.1` with
 * addressType FQDN, because the API rejects loopback addresses in IPv4 slices (ValidateEndpointIP)
 * while `127.0.0.1` is a valid domain name of four labels.
 */
import type { V1EndpointSlice, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { Backends, SliceLabels } from './conventions';
import { isServing } from './pods';

/** An equality selector (`app=web,tier=front`), or an error message. */
export type ParsedSelector = { labels: Record<string, string> } | { error: string };

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

export function matches(pod: V1Pod, labels: Record<string, string>): boolean {
  const own = pod.metadata?.labels ?? {};
  return Object.entries(labels).every(([k, v]) => own[k] === v);
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

/**
 * The slice of one pod of a Service. `ready` and `serving` say whether its server is listening;
 * a pod being deleted is `terminating`, as kube-controller-manager writes it.
 */
export function sliceFor(service: V1Service, pod: V1Pod, port: number): V1EndpointSlice {
  const serviceName = service.metadata?.name ?? '';
  const serving = isServing(pod);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(serviceName, pod),
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
    },
    addressType: 'FQDN',
    endpoints: [
      {
        addresses: ['127.0.0.1'],
        conditions: { ready: serving, serving, terminating: pod.metadata?.deletionTimestamp !== undefined },
        nodeName: pod.spec?.nodeName,
        targetRef: {
          kind: 'Pod',
          namespace: pod.metadata?.namespace,
          name: pod.metadata?.name,
          uid: pod.metadata?.uid,
        },
      },
    ],
    ports: servicePorts(service).map((p) => ({
      name: p.name ?? '',
      protocol: p.protocol ?? 'TCP',
      port,
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    })),
  };
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
      e.targetRef?.uid,
    ]),
    slice.ports?.map((p) => [p.name, p.protocol, p.port, p.appProtocol]),
  ]);
}
