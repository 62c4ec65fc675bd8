/**
 * The activities of workload recovery: diagnose, remediate, read health. Each is idempotent: a
 * remediation writes its step token on the workload, so a retried attempt finds its work done.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Diagnosis } from '../../domain';
import { WorkloadAnnotations } from '../../domain';
import { workflowId } from '../context';
import type { PodsPort, WorkloadRecoveryPort } from '../ports';
import { NOT_READY_YET } from '../node/verify';
import { diagnose, management, rolloutComplete, verdictsOf } from './diagnose';
import { fingerprintOf } from './fingerprint';
import { patchFor } from './remediation-patches';
import type { WorkloadSnapshot } from './snapshot';
import type { DiagnoseRequest, RemediationRequest, RemediationResult, WorkloadHealth } from './types';

/** Log lines read from a crashed container. */
const LOG_TAIL = 50;
/** Conflicts (someone else's write between our read and patch) retried before giving up. */
const CONFLICT_ATTEMPTS = 3;

export interface WorkloadActivityDeps {
  workloads: WorkloadRecoveryPort;
  cluster: Pick<PodsPort, 'evictPod'>;
  /** The product's opt-out label, asked on every call (live config). */
  optOutLabel: () => string;
}

export function createWorkloadActivities({ workloads, cluster, optOutLabel }: WorkloadActivityDeps) {
  return {
    async diagnoseWorkload({ workload, pod, reason }: DiagnoseRequest): Promise<Diagnosis> {
      const snapshot = await workloads.readWorkload(workload, 'diagnosis', pod);
      const failing = verdictsOf(snapshot)[0];
      const crashed = failing?.reason === 'CrashLoopBackOff' || failing?.reason === 'OOMKilled';
      const log =
        failing && crashed && failing.container
          ? await workloads.readPreviousLog(
              { namespace: workload.namespace, name: failing.pod },
              failing.container,
              LOG_TAIL,
            )
          : undefined;
      return diagnose({ snapshot, detected: reason, optOutLabel: optOutLabel(), ...(log ? { log } : {}) });
    },

    async remediateWorkload(request: RemediationRequest): Promise<RemediationResult> {
      const result = await remediate(workloads, cluster, request);
      if (result.outcome === 'done' || result.outcome === 'blocked')
        await workloads.recordWorkloadEvent(request.workload, {
          type: result.outcome === 'done' ? 'Normal' : 'Warning',
          reason: result.outcome === 'done' ? 'SelfHealingRemediated' : 'SelfHealingBlocked',
          message: `${result.detail} (workflow ${workflowId()})`,
        });
      return result;
    },

    async workloadHealth({ workload }: Pick<DiagnoseRequest, 'workload'>): Promise<WorkloadHealth> {
      const snapshot = await workloads.readWorkload(workload, 'health');
      const current = snapshot.pods.filter((p) => !p.deleting);
      const verdicts = verdictsOf(snapshot);
      return {
        exists: snapshot.object !== undefined,
        rolloutComplete: rolloutComplete(snapshot),
        desired: snapshot.object?.rollout.desired ?? 0,
        ready: snapshot.object?.rollout.ready ?? 0,
        failing: verdicts.map((v) => `${v.pod} ${v.reason}`),
        failingPods: verdicts.map(({ pod, reason }) => ({ pod, reason })),
        management: management(snapshot, optOutLabel()),
        restarts: current.reduce((sum, p) => sum + p.containers.reduce((s, c) => s + c.restarts, 0), 0),
        pods: current
          .map((p) => p.uid)
          .sort()
          .join(','),
        fingerprint: fingerprintOf(snapshot),
      };
    },

    /** Succeeds once the rollout is complete with no failing pod; fails retryably (benign) before. */
    async awaitRollout({ workload }: Pick<DiagnoseRequest, 'workload'>): Promise<string> {
      const snapshot = await workloads.readWorkload(workload, 'health');
      if (!snapshot.object) return 'gone';
      const failing = verdictsOf(snapshot).map((v) => `${v.pod} ${v.reason}`);
      const r = snapshot.object.rollout;
      if (!rolloutComplete(snapshot) || failing.length > 0)
        throw ApplicationFailure.create({
          type: NOT_READY_YET,
          message: `not ready yet: ${r.updated}/${r.desired} updated, ${r.available}/${r.desired} available, ${r.old} old${failing.length ? `; failing: ${failing.join(', ')}` : ''}`,
          category: ApplicationFailureCategory.BENIGN,
        });
      return `rollout complete: ${r.ready}/${r.desired} ready`;
    },
  };
}

async function remediate(
  workloads: WorkloadRecoveryPort,
  cluster: Pick<PodsPort, 'evictPod'>,
  request: RemediationRequest,
): Promise<RemediationResult> {
  const { workload, remediation, step, dryRun } = request;
  const token = `${workflowId()}#${step}`;
  for (let attempt = 1; ; attempt += 1) {
    const snapshot = await workloads.readWorkload(workload, 'remediation');
    const object = snapshot.object;
    if (!object)
      return { outcome: 'gone', detail: `${workload.kind} ${workload.namespace}/${workload.name} is gone` };
    const fingerprint = fingerprintOf(snapshot);
    if (object.annotations[WorkloadAnnotations.lastRemediation] === token)
      return { outcome: 'done', detail: `${step} was done by an earlier attempt`, fingerprint };
    if (fingerprint !== request.fingerprint)
      return {
        outcome: 'changed',
        detail: `${workload.kind} ${workload.namespace}/${workload.name} was changed by someone else since it was diagnosed`,
      };
    if (remediation.kind === 'delete-pod') return evict(cluster, request, fingerprint);
    const plan = patchFor(remediation, { snapshot, object, token, now: new Date() });
    if ('refused' in plan) return { outcome: 'refused', detail: plan.refused };
    if (dryRun) return { outcome: 'dry-run', detail: `would have ${plan.detail}` };
    const sent = await workloads.patchWorkload(workload, plan.patch);
    if (sent === 'gone')
      return { outcome: 'gone', detail: `${workload.kind} ${workload.namespace}/${workload.name} is gone` };
    if (sent === 'patched') {
      const after = await workloads.readWorkload(workload, 'health');
      const forced =
        remediation.kind === 'rollback' ? await forceStatefulSetRollback(cluster, snapshot, after) : [];
      return {
        outcome: 'done',
        detail: [plan.detail, ...forced].join('; '),
        fingerprint: fingerprintOf(after),
      };
    }
    if (attempt >= CONFLICT_ATTEMPTS)
      return {
        outcome: 'changed',
        detail: `${workload.kind} ${workload.namespace}/${workload.name} kept changing under us`,
      };
  }
}

/**
 * A StatefulSet with OrderedReady pods waits forever for a pod of the bad revision to be Ready, even
 * after its template is rolled back ("forced rollback" in the StatefulSet docs): the pods of the
 * revision we rolled back from that are not Ready are evicted, so the controller recreates them
 * from the restored template. @returns what was done, for the remediation's detail.
 */
async function forceStatefulSetRollback(
  cluster: Pick<PodsPort, 'evictPod'>,
  before: WorkloadSnapshot,
  after: WorkloadSnapshot,
): Promise<string[]> {
  const bad = before.revisions[0]?.templateHash;
  if (before.target.kind !== 'StatefulSet' || !bad) return [];
  const stuck = after.pods.filter((p) => p.templateHash === bad && !p.ready && !p.deleting);
  const lines: string[] = [];
  for (const pod of stuck) {
    const evicted = await cluster.evictPod({ namespace: before.target.namespace, name: pod.name });
    lines.push(
      evicted.outcome === 'blocked'
        ? `could not evict ${pod.name} of the bad revision: ${evicted.message}`
        : `evicted ${pod.name} of the bad revision so it is recreated from the restored template`,
    );
  }
  return lines;
}

async function evict(
  cluster: Pick<PodsPort, 'evictPod'>,
  { workload, remediation, dryRun }: RemediationRequest,
  fingerprint: string,
): Promise<RemediationResult> {
  if (remediation.kind !== 'delete-pod') throw new TypeError('evict takes a delete-pod remediation');
  const pod = { namespace: workload.namespace, name: remediation.pod };
  // A bare pod (approved by a human) goes through the Eviction API too: a PDB may select it.
  const what = `evicted pod ${pod.namespace}/${pod.name}${workload.kind === 'Pod' ? ' (no controller recreates it)' : ''}`;
  if (dryRun) return { outcome: 'dry-run', detail: `would have ${what}` };
  const evicted = await cluster.evictPod(pod);
  if (evicted.outcome === 'blocked')
    return {
      outcome: 'blocked',
      detail: `eviction of ${pod.namespace}/${pod.name} refused by ${evicted.pdbs.join(', ') || 'a PodDisruptionBudget'}: ${evicted.message}`,
    };
  return {
    outcome: 'done',
    detail: evicted.outcome === 'gone' ? `pod ${pod.namespace}/${pod.name} was already gone` : what,
    fingerprint,
  };
}

export type * from './types';
