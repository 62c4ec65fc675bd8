/**
 * The informers of the detector's service source, on the resilient list+watch informer of
 * ./watch.ts: every Service and every EndpointSlice (discovery.k8s.io/v1), each trimmed on arrival
 * to what the service rules read. Slices are grouped by their `kubernetes.io/service-name` label
 * by the source; nothing here GETs a single object.
 */
import type { KubeConfig, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { Logger } from '../../logging';
import { makeApiClient } from './api-metrics';
import type { KeepLabel } from './pod-trim';
import { trimEndpointSlice, trimService } from './service-trim';
import type { InformerOptions, ObjectInformer } from './watch';

/** The two informers the service source runs. */
export interface ServiceSourceInformers {
  services: ObjectInformer<V1Service>;
  endpointSlices: ObjectInformer<V1EndpointSlice>;
}

/** How {@link ServiceSourceInformers} are built: ./watch.ts turns each into a resilient informer. */
export interface ServiceSourceInformerOptions {
  services: InformerOptions<V1Service>;
  endpointSlices: InformerOptions<V1EndpointSlice>;
}

/** What the service source's informers list, watch and keep; nothing is listed before `start()`. */
export function serviceSourceInformerOptions(
  kc: KubeConfig,
  logger: Logger,
  keepLabel: KeepLabel,
): ServiceSourceInformerOptions {
  const core = makeApiClient(kc, CoreV1Api);
  const discovery = makeApiClient(kc, DiscoveryV1Api);
  return {
    services: {
      what: 'services',
      kc,
      path: '/api/v1/services',
      list: (page) => core.listServiceForAllNamespaces(page),
      trim: (service) => trimService(service, keepLabel),
      logger,
    },
    endpointSlices: {
      what: 'endpointslices',
      kc,
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: (page) => discovery.listEndpointSliceForAllNamespaces(page),
      trim: trimEndpointSlice,
      logger,
    },
  };
}
