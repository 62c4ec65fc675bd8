/**
 * The humans a recovery involves: its alerts routed to Slack, email and PagerDuty (each delivery
 * retried on its own), the escalation ladder while a human is needed, acknowledgements, the Slack
 * card kept up to date, and the PagerDuty incident resolved when the recovery completes.
 */
import type {
  Acknowledgement,
  AlertLevel,
  AlertMessage,
  ApprovalDecision,
  EscalationLevel,
  HumanLoopPolicy,
  RecoveryPhase,
} from '../../domain';
import { defaultHumanLoopPolicy } from '../../domain';
import { Deliveries } from './deliveries';
import { EscalationLadder } from './escalation';
import { recoveryMetrics, secondsSince } from './metrics';
import type { RecoveryState } from './recovery-state';

/** Evidence lines a message carries (the newest). */
const EVIDENCE_LINES = 5;

export class HumanLoop {
  private readonly deliveries: Deliveries;
  private readonly ladder: EscalationLadder;

  constructor(
    private readonly state: RecoveryState,
    private readonly workflowId: string,
    policy: HumanLoopPolicy = defaultHumanLoopPolicy,
  ) {
    this.deliveries = new Deliveries(state, policy.notificationRetryFor);
    this.ladder = new EscalationLadder(state, policy.escalationAfter, (level) => this.tellLevel(level));
  }

  /** Routes an alert to its level's recipients; the deliveries go on in the background. */
  alert(level: AlertLevel, title: string, detail: string): void {
    void this.deliveries.send(this.message(level, title, detail));
  }

  /** A decision is pending: the ladder starts calling humans. */
  awaitingDecision(): void {
    this.ladder.start();
  }

  /** A decision came (or none in time): the ladder stops; the card shows who decided. */
  decided(decision: ApprovalDecision | undefined): void {
    this.ladder.stop();
    if (!decision) return;
    delete this.state.humans.waitingSince;
    this.state.humans.decided = { ...decision, at: new Date().toISOString() };
    this.deliveries.updateCard(this.message('info', 'Decision taken', this.state.step));
  }

  /**
   * The recovery is handed to humans (escalated): the ladder calls them until one acknowledges,
   * unless a human already decided its fate (a rejection is an answer, not a page).
   */
  handedOver(): void {
    if (!this.state.humans.decided || this.state.humans.decided.approved) this.ladder.start();
  }

  acknowledge(ack: Acknowledgement): void {
    recoveryMetrics.humanAnswered(
      this.state.kind,
      'acknowledged',
      secondsSince(this.state.humans.waitingSince),
    );
    this.state.humans.acknowledged = {
      by: ack.by,
      at: new Date().toISOString(),
      ...(ack.note ? { note: ack.note } : {}),
    };
    this.ladder.stop();
    delete this.state.humans.waitingSince;
    this.state.record(`acknowledged by ${ack.by}${ack.note ? `: ${ack.note}` : ''}`);
    this.deliveries.updateCard(this.message('info', 'Acknowledged', this.state.step));
  }

  /**
   * After the recovery's end: an escalated recovery keeps calling humans until one acknowledges or
   * the ladder ran its course; then the card shows the end, a recovery that did not end escalated
   * resolves its PagerDuty incident, and every delivery finishes.
   */
  async closeOut(): Promise<void> {
    await this.ladder.done();
    this.ladder.stop();
    const final = this.message('info', `Recovery ${this.state.phase}`, this.state.step);
    this.deliveries.updateCard(final);
    // An escalated recovery's incident is the humans' to resolve; any other end resolves it.
    if (this.state.phase !== 'Escalated') this.deliveries.resolveIncident(final);
    await this.deliveries.settle();
  }

  private async tellLevel(level: EscalationLevel): Promise<string[]> {
    const who = ['on-call', 'manager', 'director'][level - 1];
    const message = {
      ...this.message(
        'critical',
        `Escalation level ${level} (${who}): ${this.state.target} needs a human`,
        this.state.step,
      ),
      escalationLevel: level,
    };
    return this.deliveries.send(message);
  }

  private message(level: AlertLevel, title: string, detail: string): AlertMessage {
    const { state } = this;
    const decision = state.humans.decided;
    return {
      level,
      title,
      detail,
      workflowId: this.workflowId,
      kind: state.kind,
      target: state.target,
      phase: state.phase as RecoveryPhase,
      step: state.step,
      evidence: state.evidence
        .slice(-EVIDENCE_LINES)
        .map((e) => [e.reason, e.pod, e.message].filter(Boolean).join(' ')),
      actions: [...state.actions],
      ...(state.pendingApproval ? { pendingApproval: { ...state.pendingApproval } } : {}),
      ...(decision && !state.pendingApproval
        ? {
            decision: {
              approved: decision.approved,
              by: decision.by,
              at: decision.at,
              ...(decision.reason ? { reason: decision.reason } : {}),
            },
          }
        : {}),
    };
  }
}
