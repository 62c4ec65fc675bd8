/**
 * Services under recovery: the Service itself (read, patched under its resourceVersion, Events on
 * it), its endpoints from its EndpointSlices, and the pods behind it with their workloads.
 */
import type { CoreV1Api, DiscoveryV1Api, V1EndpointSlice } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { MANAGER } from '../../domain/labels';
import { classifyKubeError, isNotFound, statusOf } from '../errors';
import type { ServicePatch, ServicesPort } from '../ports';
import type { ServiceEndpoint } from '../service/types';
import type { ApiCalls } from './api-calls';
import { eventFor } from './events';
import { createServicePods } from './service-pods';
import type { WorkloadResolver } from './workload-resolver';

/** The label an EndpointSlice names its Service by. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export function createServices(
  apis: { core: CoreV1Api; discovery: DiscoveryV1Api },
  calls: ApiCalls,
  resolver: WorkloadResolver,
): ServicesPort {
  const { core, discovery } = apis;
  return {
    async readService({ namespace, name }) {
      const service = await calls.apiOrGone(`get services ${namespace}/${name}`, () =>
        core.readNamespacedService({ name, namespace }),
      );
      if (!service) return undefined;
      return {
        labels: service.metadata?.labels ?? {},
        annotations: service.metadata?.annotations ?? {},
        selector: service.spec?.selector ?? {},
        resourceVersion: service.metadata?.resourceVersion ?? '',
      };
    },

    async listServiceEndpoints({ namespace, name }) {
      const list = await calls.api(`list endpointslices in ${namespace}`, () =>
        discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name}` }),
      );
      const byAddress = new Map<string, ServiceEndpoint>();
      for (const endpoint of list.items.flatMap(endpointsOf))
        // The same address in two slices (a slice being replaced): ready in either counts.
        if (!byAddress.get(endpoint.address)?.ready) byAddress.set(endpoint.address, endpoint);
      return [...byAddress.values()];
    },

    ...createServicePods(core, calls, resolver),

    async patchService({ namespace, name }, patch) {
      try {
        await calls.bounded(() =>
          core.patchNamespacedService({ name, namespace, body: patchOf(patch) }, strategicMergePatch),
        );
        return 'patched';
      } catch (error) {
        if (statusOf(error) === 409) return 'conflict';
        if (isNotFound(error)) return 'gone';
        throw classifyKubeError(error, `patch services ${namespace}/${name}`);
      }
    },

    async recordServiceEvent({ namespace, name }, { reason, message, type }) {
      const body = eventFor(MANAGER, {
        involvedObject: { kind: 'Service', name, namespace, apiVersion: 'v1' },
        type,
        reason,
        message,
      });
      const created = await calls.api(`create events in ${namespace}`, () =>
        core.createNamespacedEvent({ namespace, body }),
      );
      return created.metadata?.name ?? '';
    },
  };
}

/**
 * A slice's endpoints: the first address and the slice's first port. IPv6 addresses are
 * bracketed; FQDN slices hold host names, dialled as they are.
 */
export function endpointsOf(slice: V1EndpointSlice): ServiceEndpoint[] {
  const port = slice.ports?.[0]?.port;
  const host = (address: string) => (slice.addressType === 'IPv6' ? `[${address}]` : address);
  return (slice.endpoints ?? []).flatMap((e): ServiceEndpoint[] => {
    const address = e.addresses[0];
    if (!address) return [];
    const pod = e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined;
    return [
      {
        address: port === undefined ? host(address) : `${host(address)}:${port}`,
        // "A nil value should be interpreted as ready" (discovery.k8s.io/v1 EndpointConditions).
        ready: e.conditions?.ready !== false,
        ...(pod ? { pod } : {}),
      },
    ];
  });
}

/**
 * The strategic merge patch: its resourceVersion makes the API server refuse it (409) when the
 * Service changed since it was read; `$patch: replace` replaces the selector whole (a merge would
 * keep the old selector's other keys, selecting nothing).
 */
function patchOf({ resourceVersion, selector, annotations }: ServicePatch): object {
  return {
    metadata: { resourceVersion, ...(annotations ? { annotations } : {}) },
    ...(selector ? { spec: { selector: { ...selector, $patch: 'replace' } } } : {}),
  };
}
