/** The activities Service recovery calls, each proxy with the options its kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, ServiceActivities } from '../../activities';
import { quickCall } from '../shared/activity-options';

/** Reads, checks and changes of Services and their workloads: quick calls. */
export const services = proxyActivities<ServiceActivities>(quickCall);

/** The workload activities a Service recovery uses for its own workload. */
export const workloads = proxyActivities<Pick<Activities, 'workloadHealth' | 'remediateWorkload'>>(quickCall);

/**
 * Waiting for a dependency's recovery someone else started: as long as that recovery takes, with a
 * heartbeat so a lost worker is noticed within a minute.
 */
export const joiner = proxyActivities<Pick<Activities, 'awaitRecovery'>>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
});
