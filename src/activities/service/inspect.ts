/**
 * A Service as its recovery sees it ({@link ServiceView}): its annotations parsed over the live
 * `service.*` defaults, its endpoints, the workloads behind it, whether it is opted out and which
 * failover side it points at.
 */
import type { ServiceConfig } from '../../config/service-config';
import { statusRange } from '../../config/service-config';
import type { ConnectivityCheck, FailoverSpec, Selector, ServiceDefaults, ServiceTarget } from '../../domain';
import { parseServiceSpec, sameSelector, ServiceAnnotations, uniqueWorkloadTargets } from '../../domain';
import type { ServiceObject, ServicesPort } from '../ports';
import type { ServiceEndpoint, ServiceView } from './types';

/** What inspecting a Service needs. */
export interface InspectDeps {
  services: Pick<ServicesPort, 'readService' | 'listServiceEndpoints' | 'workloadsOfPods' | 'podsMatching'>;
  /** `service.*` in force. */
  serviceConfig: () => ServiceConfig;
  /** The product's opt-out label in force. */
  optOutLabel: () => string;
}

/** The defaults a Service's annotations override, from `service.*`. */
export function serviceDefaults(config: ServiceConfig): ServiceDefaults {
  return {
    check: {
      path: config.check_path,
      timeoutMs: config.check_timeout * 1000,
      status: statusRange(config.check_status),
    },
    scaling: { min: config.min_replicas, max: config.max_replicas },
  };
}

/** Reads the Service, its EndpointSlices and the workloads of the pods behind it. */
export async function inspectService(deps: InspectDeps, service: ServiceTarget): Promise<ServiceView> {
  const object = await deps.services.readService(service);
  if (!object) return { exists: false, selector: {}, endpoints: [], workloads: [] };
  const parsed = parseServiceSpec(service, object.annotations, serviceDefaults(deps.serviceConfig()));
  const endpoints = await deps.services.listServiceEndpoints(service);
  const pods = endpoints.flatMap((e) => (e.pod ? [e.pod] : []));
  const workloads =
    pods.length > 0
      ? await deps.services.workloadsOfPods(service.namespace, pods)
      : await workloadsSelected(deps.services, service.namespace, object.selector);
  const label = deps.optOutLabel();
  const active =
    'spec' in parsed && parsed.spec.failover ? activeSide(object, parsed.spec.failover) : undefined;
  return {
    exists: true,
    ...('spec' in parsed ? { spec: parsed.spec } : { problems: parsed.problems }),
    selector: object.selector,
    endpoints,
    workloads,
    ...(object.labels[label] === 'true' ? { optedOut: `${label}=true on the Service` } : {}),
    ...(active ? { failoverActive: active } : {}),
  };
}

/**
 * What a health check needs, and no more (no workloads, so no pod reads): whether the Service
 * exists, its check (the defaults when its annotations are bad) and its endpoints.
 */
export async function checkTarget(
  deps: InspectDeps,
  service: ServiceTarget,
): Promise<
  { exists: false } | { exists: true; check: ConnectivityCheck | undefined; endpoints: ServiceEndpoint[] }
> {
  const object = await deps.services.readService(service);
  if (!object) return { exists: false };
  const defaults = serviceDefaults(deps.serviceConfig());
  const parsed = parseServiceSpec(service, object.annotations, defaults);
  // Bad annotations: the Service is skipped, and checked only for ready endpoints.
  const check = 'spec' in parsed ? parsed.spec.check : undefined;
  return { exists: true, check, endpoints: await deps.services.listServiceEndpoints(service) };
}

/** Without endpoints naming pods (no slices yet, or none ready), the pods `spec.selector` matches. */
async function workloadsSelected(services: InspectDeps['services'], namespace: string, selector: Selector) {
  if (Object.keys(selector).length === 0) return [];
  const pods = await services.podsMatching(namespace, selector);
  return uniqueWorkloadTargets(pods.map((p) => p.workload));
}

/**
 * The side `spec.selector` points at: the selector itself when it equals one side (a person may
 * have switched it by hand), else what the product last wrote.
 */
export function activeSide(
  object: ServiceObject,
  failover: FailoverSpec,
): 'primary' | 'secondary' | undefined {
  if (sameSelector(object.selector, failover.primary)) return 'primary';
  if (sameSelector(object.selector, failover.secondary)) return 'secondary';
  const written = object.annotations[ServiceAnnotations.failoverActive];
  return written === 'primary' || written === 'secondary' ? written : undefined;
}
