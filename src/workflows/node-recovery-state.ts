import type {
  ApprovalDecision,
  ApprovalRequest,
  Evidence,
  NodeRecoveryInput,
  RecoveryPhase,
  RecoveryStatus,
  Severity,
} from '../domain';

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
  blockingPdbs: string[] = [];
  pendingApproval: ApprovalRequest | undefined;
  decision: ApprovalDecision | undefined;
  permitGranted = false;
  /** Bumped on every evidence signal, so waits can wake on "something new was observed". */
  observations = 0;
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
    this.observations++;
    // Signal-with-start delivers the starting detection again as a signal: keep it once.
    const last = this.evidence.at(-1);
    if (last?.observedAt === evidence.observedAt && last.reason === evidence.reason) return;
    this.evidence.push(evidence);
    if (this.evidence.length > MAX_EVIDENCE) this.evidence.splice(0, this.evidence.length - MAX_EVIDENCE);
  }

  /** True when the newest observation says the node is Ready again. */
  get reportedReady(): boolean {
    return this.evidence.at(-1)?.reason === 'Ready';
  }

  /** Throws (rejecting the update before it enters history) unless an approval is pending. */
  validateDecision(decision: ApprovalDecision): void {
    if (!this.pendingApproval) throw new Error(`nothing to approve: the recovery is ${this.phase}`);
    if (typeof decision?.approved !== 'boolean') throw new Error('approved must be true or false');
    if (typeof decision.by !== 'string' || decision.by.trim() === '') {
      throw new Error(`by must name who decides (got ${JSON.stringify(decision.by)})`);
    }
  }

  status(): RecoveryStatus {
    return {
      target: this.input.node,
      kind: 'node',
      phase: this.phase,
      step: this.step,
      severity: this.severity,
      dryRun: this.input.policy.dryRun,
      blockingPdbs: [...this.blockingPdbs],
      ...(this.pendingApproval ? { pendingApproval: { ...this.pendingApproval } } : {}),
      evidence: [...this.evidence],
      actions: [...this.actions],
      timings: { ...this.timings },
    };
  }
}
