/**
 * The remediation side of the one adapter that owns `@kubernetes/client-node` (this folder; the
 * informers and the Event recorder the detector and the live config run on are in ./watch.ts),
 * composed from one module per resource: nodes, pods, PDBs, workloads, Services, scaling, Events. The rest of the
 * product talks to the ports. Every API call goes through one {@link ApiLimiter}, and every
 * failure is classified once, in ../errors.ts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { makeApiClient } from './api-metrics';
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PolicyV1Api,
} from '@kubernetes/client-node';
import { defaultRecoveryConfig } from '../../config/recovery-config';
import { MANAGER } from '../../domain/labels';
import type { EventsPort, KubernetesPorts } from '../ports';
import type { ApiCalls } from './api-calls';
import { createApiCalls } from './api-calls';
import { eventFor } from './events';
import type { ApiLimiter } from './limiter';
import { createNodes } from './nodes';
import { createPdbs } from './pdbs';
import { createPods } from './pods';
import { createScaling } from './scaling';
import { createServices } from './services';
import { WorkloadResolver } from './workload-resolver';
import { createWorkloads } from './workloads';
import { createWorkloadReader } from './workload-reader';
import { createWorkloadWriter } from './workload-writer';

/** Options for {@link createKubernetesCluster}. */
export interface KubernetesClusterOptions {
  /**
   * The product's opt-out label, opted out when its value is `true`. A function is asked on every
   * read, so the worker can follow the live config. @default config `opt_out_label`
   */
  optOutLabel?: string | (() => string);
  /**
   * Bounds every call; share one per worker with the node providers.
   * @default a limiter at the config defaults `api_max_concurrency` and `api_qps`
   */
  limiter?: ApiLimiter;
}

/**
 * Builds the cluster's ports over a kubeconfig.
 * @param kubeConfig the identity the worker acts as; its RBAC is what 403s name.
 */
export function createKubernetesCluster(
  kubeConfig: KubeConfig,
  options: KubernetesClusterOptions = {},
): KubernetesPorts {
  const core = makeApiClient(kubeConfig, CoreV1Api);
  const apps = makeApiClient(kubeConfig, AppsV1Api);
  const { optOutLabel: label = defaultRecoveryConfig.opt_out_label } = options;
  const calls = createApiCalls(options.limiter);
  const pdbs = createPdbs(core, makeApiClient(kubeConfig, PolicyV1Api), calls);
  const batch = makeApiClient(kubeConfig, BatchV1Api);
  const autoscaling = makeApiClient(kubeConfig, AutoscalingV2Api);
  const discovery = makeApiClient(kubeConfig, DiscoveryV1Api);
  const resolver = new WorkloadResolver(apps, calls);
  return {
    ...createNodes(core, calls, typeof label === 'function' ? label : () => label),
    ...createPods(core, calls, resolver, pdbs),
    disruptionBudgetsFor: (pod) => pdbs.disruptionBudgetsFor(pod),
    ...createWorkloads(apps, calls),
    ...createNodeEvents(core, calls),
    ...createWorkloadReader({ core, apps, batch, autoscaling }, calls),
    ...createWorkloadWriter({ core, apps }, calls),
    ...createServices({ core, discovery }, calls, resolver),
    ...createScaling({ core, apps, batch, autoscaling }, calls),
  };
}

/** Events on nodes, from the product (component {@link MANAGER}), in namespace `default` as the kubelet's. */
function createNodeEvents(core: CoreV1Api, { api }: ApiCalls): EventsPort {
  return {
    async recordNodeEvent(name, { reason, message, type }) {
      const body = eventFor(MANAGER, {
        involvedObject: { kind: 'Node', name, uid: name },
        type,
        reason,
        message,
      });
      const created = await api('create events in default', () =>
        core.createNamespacedEvent({ namespace: 'default', body }),
      );
      return created.metadata?.name ?? '';
    },
  };
}
