/** The activities Service recovery calls, each proxy with the options its kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, ServiceActivities } from '../../activities';
import { quickCall } from '../shared/activity-options';

/** Reads, checks and changes of Services and their workloads: quick calls. */
export const services = proxyActivities<ServiceActivities>(quickCall);

/** The workload activities a Service recovery uses for its own workload. */
export const workloads = proxyActivities<Pick<Activities, 'workloadHealth' | 'remediateWorkload'>>(quickCall);

/** Where a recovery someone else started stands (a quick look; the waiting is the workflow's timer). */
export const joiner = proxyActivities<Pick<Activities, 'recoveryOutcome'>>(quickCall);
