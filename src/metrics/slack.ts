/** The Slack app's metrics: clicks by action and result, and requests refused before Bolt. */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SlackObserver } from '../slack/app';

export function slackMetrics(registry: Registry): SlackObserver {
  const registers = [registry];
  const interactions = new Counter({
    name: 'self_healing_slack_interactions_total',
    help: 'Button clicks, by action and whether the recovery took them (accepted), the clicker was no approver (not_allowed) or the recovery refused (refused).',
    labelNames: ['action', 'result'],
    registers,
  });
  const refused = new Counter({
    name: 'self_healing_slack_requests_refused_total',
    help: 'Requests refused before Bolt saw them, by HTTP status (401 signature or freshness, 400 malformed, 413 oversized).',
    labelNames: ['code'],
    registers,
  });
  return {
    refused: (status) => refused.inc({ code: String(status) }),
    clicked: (action, result) => interactions.inc({ action, result }),
  };
}
