/**
 * Events as the kubelet records them (source component `kubelet`, host the node), so that
 * `kubectl describe pod` and a detector reading Events see what they would on a real cluster.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';

/** One kubelet Event about a container of a pod. */
export interface KubeletEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  container: string | undefined;
}

export class EventRecorder {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async record(pod: V1Pod, event: KubeletEvent): Promise<void> {
    const m = pod.metadata ?? {};
    const node = pod.spec?.nodeName ?? '';
    const now = new Date();
    const index = (pod.spec?.containers ?? []).findIndex((c) => c.name === event.container);
    await this.core.createNamespacedEvent({
      namespace: m.namespace ?? '',
      body: {
        metadata: { name: `${m.name}.${randomBytes(8).toString('hex')}`, namespace: m.namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          ...(index >= 0 ? { fieldPath: `spec.containers{${event.container}}` } : {}),
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: 'kubelet', host: node },
        reportingComponent: 'kubelet',
        reportingInstance: node,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}
