/** The service source's public shapes: its events and its stats (docs/detector.md, "The service source"). */
import type { InformerStats } from '../../activities/kubernetes/watch';
import type { Evidence, ServiceFailureReason } from '../../domain';

/** Timing of one started Service recovery; detection overhead = resolvedAt − firedAt. */
export interface ServiceRecoveryStartRecord {
  /** `shop/web`. */
  service: string;
  reason: ServiceFailureReason;
  workflowId: string;
  runId: string;
  /** When the finding was confirmed (the threshold reached), however late the call went out. */
  firedAt: string;
  resolvedAt: string;
  overheadMs: number;
}

/** What the service source did or decided. */
export type ServiceDetectorEvent =
  | { type: 'service-recovery-started'; record: ServiceRecoveryStartRecord }
  | { type: 'service-recovery-start-failed'; service: string; reason: ServiceFailureReason; error: string }
  /** Evidence to a Service's recovery: a later failing observation (through startService), or `Ready`. */
  | {
      type: 'service-evidence-signalled';
      service: string;
      evidence: Evidence;
      outcome: 'signalled' | 'not-found' | 'failed';
    }
  /** One connectivity check of a Service's ready endpoints. */
  | { type: 'service-checked'; service: string; ok: boolean; failures: string[] }
  /** A Service skipped for a bad annotation; one Warning Event per bad value. */
  | { type: 'service-annotation-invalid'; service: string; message: string };

/** A snapshot of the service source. */
export interface ServiceSourceStats {
  /** The first LISTs of Services and EndpointSlices are done. */
  synced: boolean;
  cached: { services: number; endpointSlices: number };
  /** Services judged (not skipped). */
  watched: number;
  /** Services skipped: opted out, or a bad annotation. */
  skipped: { optedOut: number; invalid: number };
  /** Services failing now (an episode of no ready endpoints, or failed checks in a row). */
  unhealthy: {
    service: string;
    reason: ServiceFailureReason;
    since?: string;
    failedChecks: number;
    reported: boolean;
  }[];
  checks: { ok: number; failed: number; inFlight: number; queued: number; peakInFlight: number };
  starts: { calls: number; failures: number };
  /** Evidence sent through startService to a recovery already started. */
  evidence: { sent: number; failures: number };
  signals: { signalled: number; notFound: number; failures: number };
  recoveries: ServiceRecoveryStartRecord[];
  informers: { services: InformerStats; endpointSlices: InformerStats };
}
