/**
 * What the notification adapter reports about its deliveries: each attempt's channel and result.
 * One observer per process (the worker's entrypoint sets it; by default nothing is reported).
 */
export type DeliveryResult = 'delivered' | 'failed' | 'skipped';
export type DeliveryObserver = (channel: string, result: DeliveryResult) => void;

let observer: DeliveryObserver | undefined;

export function observeDeliveries(next: DeliveryObserver | undefined): void {
  observer = next;
}

export function observeDelivery(channel: string, result: DeliveryResult): void {
  observer?.(channel, result);
}
