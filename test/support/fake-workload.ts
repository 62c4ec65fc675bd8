/**
 * A workload under recovery, simulated at the activity boundary for workflow tests: it answers the
 * workload activities with typed results the way the real ones do, heals only when the remediation
 * that removes its cause is applied, and records every call. The real activities are tested on the
 * lab (test/lab/workload-recovery-e2e.test.ts) and their pure parts in test/unit.
 */
import { ApplicationFailure } from '@temporalio/common';
import { KubeErrorTypes } from '../../src/activities/errors';
import type { Diagnosis, WorkloadTarget } from '../../src/domain';
import type {
  DiagnoseRequest,
  RemediationRequest,
  RemediationResult,
  WorkloadHealth,
} from '../../src/activities';

export type Cure = 'raise-memory' | 'rollback' | 'restart' | 'delete-pod' | 'none';

export class FakeWorkload {
  readonly calls: string[] = [];
  fingerprint = 'fp-0';
  healthy = false;
  /** Restarts the workload needs before a restart helps (the `restart` cure). */
  restartsNeeded = 1;
  private restarts = 0;
  /** Set by a test: the workload is changed by someone else at the next health read. */
  changeBySomeoneElse = false;
  exists = true;
  /** Set by a test: the patch fails as the adapter classifies a 403 (non-retryable). */
  forbidden = false;

  constructor(
    readonly diagnosis: Diagnosis,
    readonly cure: Cure,
  ) {
    this.fingerprint = diagnosis.fingerprint;
  }

  activities() {
    return {
      diagnoseWorkload: async ({ pod, reason }: DiagnoseRequest): Promise<Diagnosis> => {
        this.calls.push(`diagnose ${pod} ${reason}`);
        return { ...this.diagnosis, exists: this.exists, fingerprint: this.fingerprint };
      },
      remediateWorkload: async (request: RemediationRequest): Promise<RemediationResult> => {
        const { remediation, fingerprint, dryRun } = request;
        this.calls.push(`remediate ${remediation.kind}${dryRun ? ' (dry-run)' : ''}`);
        if (!this.exists) return { outcome: 'gone', detail: 'gone' };
        if (fingerprint !== this.fingerprint)
          return { outcome: 'changed', detail: 'changed by someone else' };
        if (dryRun) return { outcome: 'dry-run', detail: `would have done ${remediation.kind}` };
        if (this.forbidden)
          throw ApplicationFailure.create({
            type: KubeErrorTypes.forbidden,
            nonRetryable: true,
            message: 'forbidden: cannot patch deployments shop/web (grant this verb and resource in RBAC)',
          });
        if (remediation.kind === 'restart') this.restarts++;
        if (
          remediation.kind === this.cure &&
          (remediation.kind !== 'restart' || this.restarts >= this.restartsNeeded)
        )
          this.healthy = true;
        this.fingerprint = `fp-${this.calls.length}`;
        return { outcome: 'done', detail: `did ${remediation.kind}`, fingerprint: this.fingerprint };
      },
      workloadHealth: async (): Promise<WorkloadHealth> => {
        this.calls.push('health');
        if (this.changeBySomeoneElse) this.fingerprint = 'someone-elses';
        return {
          exists: this.exists,
          rolloutComplete: this.healthy,
          desired: 2,
          ready: this.healthy ? 2 : 0,
          failing: this.healthy ? [] : ['web-1 CrashLoopBackOff'],
          failingPods: this.healthy ? [] : [{ pod: 'web-1', reason: 'CrashLoopBackOff' }],
          management: {},
          restarts: this.healthy ? 0 : 5 + this.calls.length,
          pods: 'uid-1,uid-2',
          fingerprint: this.fingerprint,
        };
      },
      awaitRollout: async (): Promise<string> => {
        this.calls.push('await-rollout');
        if (!this.healthy) {
          const error = new Error('not ready yet: failing: web-1 CrashLoopBackOff');
          error.name = 'NotReadyYet';
          throw error;
        }
        return 'rollout complete: 2/2 ready';
      },
    };
  }
}

export const web: WorkloadTarget = { kind: 'Deployment', namespace: 'shop', name: 'web' };

/** A diagnosis of a Deployment crashing since a rollout an hour ago (outside the default rollback window). */
export function diagnosisOf(overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    workload: web,
    exists: true,
    ownerChain: ['Pod/shop/web-1', 'ReplicaSet/shop/web-2', 'Deployment/shop/web'],
    reason: 'CrashLoopBackOff',
    failingPods: ['web-1'],
    healthy: false,
    container: 'app',
    rollout: {
      revision: 2,
      previousRevision: 1,
      previousTemplateHash: 'hash-1',
      changedAt: new Date(0).toISOString(),
      changes: [{ field: 'image', container: 'app', from: 'web:1', to: 'web:2' }],
    },
    memory: { container: 'app', limitBytes: 256 * 2 ** 20, requestBytes: 256 * 2 ** 20 },
    events: ['Warning BackOff: Back-off restarting failed container'],
    logMatches: [{ signature: 'panic', line: 'panic: nil map' }],
    management: {},
    fingerprint: 'fp-0',
    remediations: [],
    gaps: [],
    ...overrides,
  };
}
