/**
 * The activities of Service recovery: read a Service (view, health, performance, dependencies),
 * check its connectivity, and the strategies' writes (failover's switch, scaling, Events). Each is
 * idempotent: writes carry a step token, so a retried attempt finds its work done.
 */
import type { AnalysisConfig } from '../../config/analysis-config';
import type { ServiceConfig } from '../../config/service-config';
import type { WorkloadTarget } from '../../domain';
import { serviceName, uniqueWorkloadTargets } from '../../domain';
import type { MetricSource } from '../metrics-source';
import type { ScalingPort, ServicesPort, WorkloadRecoveryPort } from '../ports';
import { readDependencyGraph } from './graph';
import { checkEndpoints } from './http-check';
import { checkTarget, inspectService, serviceDefaults } from './inspect';
import { readPerformance } from './performance';
import { readScale, scale } from './scale';
import { switchSelector } from './switch';
import type {
  ConnectivityResult,
  DependencyGraph,
  PerformanceReading,
  ScaleRequest,
  ScaleResult,
  ScaleView,
  SelectorHealth,
  SelectorRequest,
  ServiceEventRequest,
  ServiceHealth,
  ServiceRequest,
  ServiceView,
  SwitchRequest,
  SwitchResult,
} from './types';

export interface ServiceActivityDeps {
  /** Services, their endpoints and pods, and workloads' replicas (the Kubernetes adapter). */
  services: ServicesPort & ScalingPort;
  /** Scaling's Events go on the workload. */
  workloads: Pick<WorkloadRecoveryPort, 'recordWorkloadEvent'>;
  /** `service.*` and `analysis.*` in force, asked on every call (live config). */
  serviceConfig: () => { service: ServiceConfig; analysis: AnalysisConfig };
  /** The metric source in force; undefined when none is configured (`analysis.prometheus_url` empty). */
  metricSource: () => MetricSource | undefined;
  /** The product's opt-out label, asked on every call (live config). */
  optOutLabel: () => string;
}

export function createServiceActivities(deps: ServiceActivityDeps) {
  const { services, optOutLabel } = deps;
  const inspectDeps = { services, optOutLabel, serviceConfig: () => deps.serviceConfig().service };
  const defaults = () => serviceDefaults(deps.serviceConfig().service);
  const concurrency = () => deps.serviceConfig().service.check_concurrency;

  return {
    inspectService({ service }: ServiceRequest): Promise<ServiceView> {
      return inspectService(inspectDeps, service);
    },

    /** The HTTP check on every ready endpoint, with the Service's own check (the defaults when its annotations are bad). */
    async checkConnectivity({ service }: ServiceRequest): Promise<ConnectivityResult> {
      const target = await checkTarget(inspectDeps, service);
      if (!target.exists)
        return { checked: 0, passed: 0, failures: [`Service ${serviceName(service)} does not exist`] };
      return checkEndpoints(target.endpoints, target.check, concurrency());
    },

    /** Healthy: it exists, has a ready endpoint, and every ready endpoint passes the check. */
    async serviceHealth({ service }: ServiceRequest): Promise<ServiceHealth> {
      const target = await checkTarget(inspectDeps, service);
      if (!target.exists) {
        const why = `Service ${serviceName(service)} does not exist`;
        return { exists: false, healthy: false, readyEndpoints: 0, why };
      }
      const readyEndpoints = target.endpoints.filter((e) => e.ready).length;
      if (readyEndpoints === 0) {
        const why = `no ready endpoint (${target.endpoints.length} not ready)`;
        return { exists: true, healthy: false, readyEndpoints, why };
      }
      const { checked, failures } = await checkEndpoints(target.endpoints, target.check, concurrency());
      const why =
        failures.length === 0
          ? ''
          : `${failures.length} of ${checked} endpoints failed the check: ${failures.join('; ')}`;
      return { exists: true, healthy: why === '', readyEndpoints, why };
    },

    async measurePerformance({ service }: ServiceRequest): Promise<PerformanceReading> {
      const { service: serviceConfig, analysis } = deps.serviceConfig();
      const endpoints = await services.listServiceEndpoints(service);
      const readyEndpoints = endpoints.filter((e) => e.ready).length;
      return readPerformance(deps.metricSource(), { service, readyEndpoints, analysis, serviceConfig });
    },

    async selectorHealth({ namespace, selector }: SelectorRequest): Promise<SelectorHealth> {
      const pods = await services.podsMatching(namespace, selector);
      return {
        pods: pods.length,
        ready: pods.filter((p) => p.ready).length,
        workloads: uniqueWorkloadTargets(pods.map((p) => p.workload)),
      };
    },

    switchServiceSelector(request: SwitchRequest): Promise<SwitchResult> {
      return switchSelector(services, defaults(), request);
    },

    workloadScale({ workload }: { workload: WorkloadTarget }): Promise<ScaleView> {
      return readScale(deps, workload);
    },

    scaleWorkload(request: ScaleRequest): Promise<ScaleResult> {
      return scale(deps, request);
    },

    /** @returns the Event's name. */
    recordServiceEvent({ service, ...event }: ServiceEventRequest): Promise<string> {
      return services.recordServiceEvent(service, event);
    },

    dependencyGraph({ service }: ServiceRequest): Promise<DependencyGraph> {
      return readDependencyGraph(services, defaults(), service);
    },
  };
}

export type * from './types';
