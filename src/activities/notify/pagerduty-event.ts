/**
 * PagerDuty Events API v2 bodies built from an alert (PagerDuty/developer-docs,
 * `events-API-v2/02-Trigger-Events.md`). Pure: the adapter only sends what these build.
 */
import { createHash } from 'node:crypto';
import type { AlertLevel, AlertMessage } from '../../domain/notification';

/** The severities PagerDuty accepts. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** Our alert levels as PagerDuty severities. */
export const PagerDutySeverityOf: Readonly<Record<AlertLevel, PagerDutySeverity>> = {
  critical: 'critical',
  warning: 'warning',
  info: 'info',
};

/** PagerDuty's limits, as documented. */
export const PagerDutyLimits = { summary: 1024, dedupKey: 255 } as const;

/** A trigger: opens an alert, or adds to the open one with the same dedup key. */
export interface PagerDutyTriggerEvent {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: { href: string; text: string }[];
}

/** A resolve: closes the alert with the same dedup key (sent through the same routing key). */
export interface PagerDutyResolveEvent {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

const HASH_CHARS = 16;

/**
 * The workflow ID, which ties the trigger to its resolve. PagerDuty allows 255 characters, so a
 * longer ID keeps its first characters and ends in `~` and a hash of the whole ID: the same ID
 * always gives the same key, and two long IDs sharing a prefix give different keys.
 */
export function dedupKeyFor(workflowId: string): string {
  if (workflowId.length <= PagerDutyLimits.dedupKey) return workflowId;
  const hash = createHash('sha256').update(workflowId).digest('hex').slice(0, HASH_CHARS);
  return `${workflowId.slice(0, PagerDutyLimits.dedupKey - HASH_CHARS - 1)}~${hash}`;
}

/** The alert's title on one line, cut to PagerDuty's 1024 characters. */
export function pagerDutySummary(message: AlertMessage): string {
  const escalation = message.escalationLevel ? ` (escalation level ${message.escalationLevel})` : '';
  const summary = `${message.title}${escalation}`.replace(/\s+/g, ' ').trim();
  return summary.length <= PagerDutyLimits.summary
    ? summary
    : `${summary.slice(0, PagerDutyLimits.summary - 1)}…`;
}

/**
 * The trigger for `message`.
 * @param source `payload.source`; @default `self-healing/<kind>/<target>`
 * @param workflowLink the recovery's page in the Temporal UI.
 */
export function triggerEvent(
  routingKey: string,
  message: AlertMessage,
  options: { source?: string; workflowLink: string },
): PagerDutyTriggerEvent {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKeyFor(message.workflowId),
    payload: {
      summary: pagerDutySummary(message),
      source: options.source ?? `self-healing/${message.kind}/${message.target}`,
      severity: PagerDutySeverityOf[message.level],
      component: message.target,
      group: message.kind,
      class: message.phase,
      custom_details: customDetails(message),
    },
    links: [{ href: options.workflowLink, text: 'Recovery in Temporal' }],
  };
}

/** The resolve for `message`'s recovery: only the routing key, the action and the dedup key. */
export function resolveEvent(routingKey: string, message: AlertMessage): PagerDutyResolveEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKeyFor(message.workflowId) };
}

function customDetails(message: AlertMessage): Record<string, unknown> {
  return {
    detail: message.detail,
    step: message.step,
    evidence: message.evidence,
    actions: message.actions,
    workflow_id: message.workflowId,
    ...(message.escalationLevel ? { escalation_level: message.escalationLevel } : {}),
    ...(message.pendingApproval ? { pending_approval: message.pendingApproval } : {}),
    ...(message.decision ? { decision: message.decision } : {}),
  };
}
