import { log } from '@temporalio/activity';
import type { NotifierPort } from './ports';

/** A notifier that writes alerts to the activity log. Slack, email and PagerDuty notifiers come later. */
export const logNotifier: NotifierPort = {
  async notify(alert) {
    log.warn('alert', { ...alert });
  },
};
