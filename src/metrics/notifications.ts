/** The worker's deliveries as a metric (see activities/notify/delivery-metrics.ts). */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { DeliveryObserver } from '../activities/notify/delivery-metrics';

export function deliveryMetrics(registry: Registry): DeliveryObserver {
  const deliveries = new Counter({
    name: 'self_healing_notifications_total',
    help: 'Delivery attempts, by channel and result (skipped: no credentials for the channel on this worker).',
    labelNames: ['channel', 'result'],
    registers: [registry],
  });
  for (const channel of ['slack', 'email', 'pagerduty'])
    for (const result of ['delivered', 'failed']) deliveries.inc({ channel, result }, 0);
  return (channel, result) => deliveries.inc({ channel, result });
}
