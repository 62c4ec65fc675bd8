/**
 * Humans in the loop: alert levels, the escalation ladder's levels, the recipients config names,
 * what one delivery to one channel carries, and the Slack message a recovery owns. Plain data that
 * crosses Temporal's wire as JSON.
 */
import type { ApprovalRequest, RecoveryPhase, TargetKind } from './recovery';

/** Alert levels, routed by config as the design lists them (info → #monitoring, ...). */
export const AlertLevels = ['info', 'warning', 'critical'] as const;
export type AlertLevel = (typeof AlertLevels)[number];

/** The escalation ladder's levels: 1 on-call (5 min), 2 manager (15 min), 3 director (30 min). */
export const EscalationLevels = [1, 2, 3] as const;
export type EscalationLevel = (typeof EscalationLevels)[number];

/** The channels a delivery goes through. */
export const Channels = ['slack', 'email', 'pagerduty'] as const;
export type Channel = (typeof Channels)[number];

/**
 * Someone or somewhere a notification goes to, as config names it: an email address
 * (`oncall@example.com`), a Slack channel (`#incidents` or a channel ID `C0123`), a Slack user
 * (`@U0123`, a direct message), or `pagerduty` (the Events API integration).
 */
export type Recipient =
  | { channel: 'email'; address: string }
  | { channel: 'slack'; conversation: string }
  | { channel: 'pagerduty' };

/** A Slack message a recovery posted: its thread carries the recovery's timeline. */
export interface SlackMessageRef {
  /** The conversation ID Slack answered with (C…, D…). */
  channel: string;
  ts: string;
}

/** A decision as a message shows it once taken. */
export interface DecisionNote {
  approved: boolean;
  by: string;
  /** ISO-8601 time of the decision. */
  at: string;
  reason?: string;
}

/**
 * What a message about a recovery says, on any channel: the alert and a snapshot of the recovery
 * so a Slack card, an email and a PagerDuty event tell the same story.
 */
export interface AlertMessage {
  level: AlertLevel;
  title: string;
  detail: string;
  /** The recovery's workflow ID: the Temporal UI link, the PagerDuty dedup key, the button value. */
  workflowId: string;
  kind: TargetKind;
  target: string;
  phase: RecoveryPhase;
  step: string;
  /** The newest evidence, one line each (reason, pod, message). */
  evidence: string[];
  /** What the recovery did so far (its status' actions). */
  actions: string[];
  /** Set while a decision is pending: Slack shows Approve / Reject buttons. */
  pendingApproval?: ApprovalRequest;
  /** Set once decided: the card shows who decided and when, without buttons. */
  decision?: DecisionNote;
  /** Set on the ladder's notifications. */
  escalationLevel?: EscalationLevel;
}

/** One delivery to one channel; the workflow retries each on its own (a durable loop). */
export type Delivery =
  /** Posts a new message (the recovery's card when it has none yet); answers its reference. */
  | { channel: 'slack'; to: string; message: AlertMessage }
  /** Edits the recovery's card in place (a decision taken, the recovery ended). */
  | { channel: 'slack-update'; ref: SlackMessageRef; message: AlertMessage }
  /** Adds lines of the timeline to the card's thread. */
  | { channel: 'slack-thread'; ref: SlackMessageRef; lines: string[] }
  | { channel: 'email'; to: string[]; message: AlertMessage }
  /** PagerDuty Events API v2; the dedup key is the workflow ID, so a resolve closes the trigger. */
  | { channel: 'pagerduty'; action: 'trigger' | 'resolve'; message: AlertMessage };

export type DeliveryChannel = Delivery['channel'];

/** A short name of where a delivery goes, for logs and the status. */
export function deliveryKey(delivery: Delivery): string {
  switch (delivery.channel) {
    case 'slack':
      return `slack ${delivery.to}`;
    case 'slack-update':
    case 'slack-thread':
      return `${delivery.channel} ${delivery.ref.channel}/${delivery.ref.ts}`;
    case 'email':
      return `email ${delivery.to.join(',')}`;
    case 'pagerduty':
      return `pagerduty ${delivery.action}`;
  }
}

/** What a delivery answered. `skipped`: the channel is not configured on this worker. */
export type DeliveryReceipt =
  { delivered: true; slack?: SlackMessageRef; id?: string } | { delivered: false; skipped: string };

/** A person's acknowledgement of an escalated recovery: it stops the ladder. */
export interface Acknowledgement {
  /** Who acknowledges (user name or `slack:<user ID>`); required. */
  by: string;
  note?: string;
}

/** One rung of the ladder the recovery reached. */
export interface EscalationStep {
  level: EscalationLevel;
  /** ISO-8601 time it was notified. */
  at: string;
  /** Recipients as config named them. */
  notified: string[];
}

/** What the status tells about the humans a recovery involved. */
export interface HumanLoopStatus {
  /**
   * ISO-8601 time the recovery started waiting for a human (an approval, or after escalating);
   * cleared once a human decided or acknowledged. The escalation ladder counts from it.
   */
  waitingSince?: string;
  /** The ladder's rungs reached so far. */
  escalations: EscalationStep[];
  acknowledged?: { by: string; at: string; note?: string };
  /** The latest decision a human took on this recovery. */
  decided?: DecisionNote;
  /** The recovery's Slack card, once posted. */
  slack?: SlackMessageRef;
  /** Deliveries failing right now (they are retried), one line each: channel, recipient, error. */
  failingDeliveries: string[];
  /** A PagerDuty incident this recovery opened is open (resolved when the recovery completes). */
  incidentOpen?: boolean;
}

/** The ApplicationFailure type of a failed delivery; its details say whether to retry. */
export const DeliveryFailedType = 'DeliveryFailed';

/** The part of the config the human loop follows, snapshotted into each recovery's input. */
export interface HumanLoopPolicy {
  /** Seconds after a human is first needed at which escalation levels 1, 2 and 3 are told. */
  escalationAfter: number[];
  /** Seconds a failing delivery is retried before it is given up. */
  notificationRetryFor: number;
}

/** The design's ladder (5, 15, 30 minutes) and an hour of retries: for inputs that carry none. */
export const defaultHumanLoopPolicy: HumanLoopPolicy = {
  escalationAfter: [300, 900, 1800],
  notificationRetryFor: 3600,
};
