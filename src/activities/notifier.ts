import { log } from '@temporalio/activity';
import type { ClusterPort, NotifierPort } from './ports';

/**
 * The notifier of the first release: a structured log line and a Kubernetes Event on the node, so
 * `kubectl describe node` and any Event exporter see the alert. Slack, email and PagerDuty come later.
 */
export function createEventNotifier(cluster: ClusterPort): NotifierPort {
  return {
    async notify(alert) {
      log.warn('alert', { ...alert });
      await cluster.recordNodeEvent(alert.target, {
        type: 'Warning',
        reason: alert.severity === 'critical' ? 'SelfHealingEscalated' : 'SelfHealingNotice',
        message: `${alert.title}: ${alert.detail} (workflow ${alert.workflowId})`.slice(0, 1000),
      });
    },
  };
}
