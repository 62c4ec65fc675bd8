/**
 * Storage problems from Kubernetes Events: volumes that fail to attach, mount, detach, provision,
 * resize or delete. (A PVC near full comes from metrics: the `pvc` threshold rule, whose findings
 * are of type `storage` too.) An Event the rule does not know, or a `Normal` one, is no finding.
 */
import type { AnalysisFinding, AnalysisTarget } from './finding';

/** Event reasons of volume trouble, and what failed. */
export const StorageEventReasons = {
  FailedAttachVolume: 'attach',
  FailedDetachVolume: 'detach',
  FailedMount: 'mount',
  FailedMapVolume: 'mount',
  VolumeFailedDelete: 'delete',
  ProvisioningFailed: 'provision',
  VolumeResizeFailed: 'resize',
  FileSystemResizeFailed: 'resize',
} as const;
export type StorageFailure = (typeof StorageEventReasons)[keyof typeof StorageEventReasons];

/** The part of a Kubernetes Event the rule reads. */
export interface EventView {
  reason: string;
  type: string;
  message?: string;
  involvedObject: { kind: string; namespace?: string; name: string };
  count?: number;
  /** Epoch ms of the latest occurrence. */
  lastSeen?: number;
}

/** What failed, or undefined when the Event is no storage trouble. */
export function storageFailureOf(event: EventView): StorageFailure | undefined {
  if (event.type !== 'Warning' || !Object.hasOwn(StorageEventReasons, event.reason)) return undefined;
  return StorageEventReasons[event.reason as keyof typeof StorageEventReasons];
}

const KINDS: Record<string, AnalysisTarget['kind']> = {
  Pod: 'pod',
  PersistentVolumeClaim: 'pvc',
  Node: 'node',
};

/**
 * A `storage` finding for a volume Event: warning, critical when it keeps repeating (`count` ≥
 * `criticalCount`, default 5: the kubelet retries mounts every ~2 min, so that is ~10 minutes).
 */
export function storageFindingOfEvent(event: EventView, criticalCount = 5): AnalysisFinding | undefined {
  const failure = storageFailureOf(event);
  const kind = KINDS[event.involvedObject.kind];
  if (!failure || !kind) return undefined;
  const { namespace, name } = event.involvedObject;
  const count = event.count ?? 1;
  return {
    rule: 'storage',
    type: 'storage',
    target: { kind, ...(namespace ? { namespace } : {}), name },
    severity: count >= criticalCount ? 'critical' : 'warning',
    evidence: {
      value: count,
      ...(event.lastSeen !== undefined ? { since: new Date(event.lastSeen).toISOString() } : {}),
      members: [event.reason],
    },
    summary: `volume ${failure} failed for ${event.involvedObject.kind} ${namespace ? `${namespace}/` : ''}${name} (${event.reason}, ${count}×)${event.message ? `: ${event.message.slice(0, 200)}` : ''}`,
  };
}
