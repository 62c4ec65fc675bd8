import type { Evidence, NodeRecoveryInput, RecoveryPhase, RecoveryStatus, Severity } from './types';

/** Evidence kept per recovery; older observations are dropped so history and queries stay small. */
const MAX_EVIDENCE = 20;

/**
 * The state of one node recovery, kept apart from the workflow function so the orchestration
 * reads as the procedure it is. Deterministic: `now` is passed in by the workflow.
 */
export class NodeRecoveryState {
  phase: RecoveryPhase = 'Detected';
  step = 'confirmed by the detector';
  severity: Severity = 'warning';
  readonly evidence: Evidence[] = [];
  readonly actions: string[] = [];
  readonly timings: RecoveryStatus['timings'] = {};

  constructor(readonly input: NodeRecoveryInput) {
    this.timings.Detected = input.detectedAt;
    this.evidence.push({ observedAt: input.detectedAt, reason: input.reason });
  }

  enter(phase: RecoveryPhase, step: string, now: Date): void {
    this.phase = phase;
    this.step = step;
    this.timings[phase] = now.toISOString();
  }

  addEvidence(evidence: Evidence): void {
    this.evidence.push(evidence);
    if (this.evidence.length > MAX_EVIDENCE) this.evidence.splice(0, this.evidence.length - MAX_EVIDENCE);
  }

  /** True when the newest observation says the node is Ready again. */
  get reportedReady(): boolean {
    return this.evidence.at(-1)?.reason === 'Ready';
  }

  status(): RecoveryStatus {
    return {
      target: this.input.node,
      kind: 'node',
      phase: this.phase,
      step: this.step,
      severity: this.severity,
      dryRun: this.input.dryRun,
      evidence: [...this.evidence],
      actions: [...this.actions],
      timings: { ...this.timings },
    };
  }
}
