import { log } from '@temporalio/activity';
import type { EventsPort, NotifierPort, WorkloadRecoveryPort } from '../ports';

/** Options for {@link createEventNotifier}. */
export interface EventNotifierOptions {
  /**
   * Whether alerts go to notification channels (config `notification_enabled`), asked on every
   * alert so the worker can follow the live config. @default always true
   */
  enabled?: () => boolean;
}

/**
 * The notifier of the first release: a structured log line and a Kubernetes Event on the node, so
 * `kubectl describe node` and any Event exporter see the alert. Slack, email and PagerDuty come later.
 *
 * With notifications disabled, the alert is still logged (the audit trail, like the per-action
 * Events the activities record on the node) but sent nowhere: no alert Event, and no channel.
 */
export function createEventNotifier(
  cluster: EventsPort & Pick<WorkloadRecoveryPort, 'recordWorkloadEvent'>,
  options: EventNotifierOptions = {},
): NotifierPort {
  const enabled = options.enabled ?? (() => true);
  return {
    async notify(alert) {
      if (!enabled()) {
        log.info('alert not sent: notification_enabled is false', { ...alert });
        return [];
      }
      log.warn('alert', { ...alert });
      const event = {
        type: 'Warning' as const,
        reason: alert.severity === 'critical' ? 'SelfHealingEscalated' : 'SelfHealingNotice',
        message: `${alert.title}: ${alert.detail} (workflow ${alert.workflowId})`,
      };
      const name = alert.workload
        ? await cluster.recordWorkloadEvent(alert.workload, event)
        : await cluster.recordNodeEvent(alert.target, event);
      return [{ channel: 'kubernetes-event', id: name }];
    },
  };
}
