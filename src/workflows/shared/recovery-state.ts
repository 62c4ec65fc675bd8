/**
 * The state every kind of recovery keeps and its `status` query tells: phase, step, severity,
 * evidence, actions, timings, a pending approval. Deterministic: `now` is passed in by the workflow.
 */
import type {
  Acknowledgement,
  ApprovalDecision,
  ApprovalRequest,
  Evidence,
  HumanLoopStatus,
  RecoveryPhase,
  RecoveryStatus,
  Severity,
  TargetKind,
} from '../../domain';

/** Evidence kept per recovery; older observations are dropped so history and queries stay small. */
const MAX_EVIDENCE = 20;

export class RecoveryState {
  phase: RecoveryPhase = 'Detected';
  step = 'confirmed by the detector';
  severity: Severity = 'warning';
  pendingApproval: ApprovalRequest | undefined;
  decision: ApprovalDecision | undefined;
  /** Bumped on every evidence signal, so waits can wake on "something new was observed". */
  observations = 0;
  readonly evidence: Evidence[] = [];
  readonly actions: string[] = [];
  readonly timings: RecoveryStatus['timings'] = {};
  /** Approvals' and escalations' humans: the ladder, the Slack card, failing deliveries. */
  readonly humans: HumanLoopStatus = { escalations: [], failingDeliveries: [] };
  /** True while the escalation ladder runs (a human is needed and none has taken it yet). */
  laddering = false;

  constructor(
    readonly kind: TargetKind,
    readonly target: string,
    readonly dryRun: boolean,
    detection: Evidence,
  ) {
    this.timings.Detected = detection.observedAt;
    this.evidence.push(detection);
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

  /** True when the newest observation says the target is healthy again. */
  get reportedReady(): boolean {
    return this.evidence.at(-1)?.reason === 'Ready';
  }

  /** Whether any human was called or any notification left (older recoveries show no `humans`). */
  private get involvedHumans(): boolean {
    const h = this.humans;
    return Boolean(
      h.waitingSince ||
      h.slack ||
      h.acknowledged ||
      h.decided ||
      h.escalations.length ||
      h.failingDeliveries.length,
    );
  }

  record(...lines: string[]): void {
    this.actions.push(...lines);
  }

  /** Throws (rejecting the update before it enters history) unless an approval is pending. */
  validateDecision(decision: ApprovalDecision): void {
    if (!this.pendingApproval) throw new Error(`nothing to approve: the recovery is ${this.phase}`);
    if (typeof decision?.approved !== 'boolean') throw new Error('approved must be true or false');
    if (typeof decision.by !== 'string' || decision.by.trim() === '') {
      throw new Error(`by must name who decides (got ${JSON.stringify(decision.by)})`);
    }
  }

  /** Throws (rejecting the update before it enters history) unless a human is being called. */
  validateAcknowledgement(ack: Acknowledgement): void {
    if (!this.laddering && !this.pendingApproval)
      throw new Error(`nothing to acknowledge: the recovery is ${this.phase} and is not calling anyone`);
    if (this.humans.acknowledged) throw new Error(`already acknowledged by ${this.humans.acknowledged.by}`);
    if (typeof ack?.by !== 'string' || ack.by.trim() === '') {
      throw new Error(`by must name who acknowledges (got ${JSON.stringify(ack?.by)})`);
    }
  }

  /** @param details what this kind adds to the status (a node's blocking PDBs, say). */
  status(details: Pick<RecoveryStatus, 'blockingPdbs' | 'diagnosis'>): RecoveryStatus {
    return {
      target: this.target,
      kind: this.kind,
      phase: this.phase,
      step: this.step,
      severity: this.severity,
      dryRun: this.dryRun,
      ...details,
      ...(this.pendingApproval ? { pendingApproval: { ...this.pendingApproval } } : {}),
      ...(this.involvedHumans ? { humans: JSON.parse(JSON.stringify(this.humans)) as HumanLoopStatus } : {}),
      evidence: [...this.evidence],
      actions: [...this.actions],
      timings: { ...this.timings },
    };
  }
}
