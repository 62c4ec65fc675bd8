/**
 * What every source's Temporal calls share: calls for one target go out in order (a Ready signal
 * never overtakes the start before it), a failed start is retried with a backoff, and the timing
 * records of started recoveries are capped.
 */
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import { MAX_RECORDS, START_RETRY } from './types';

/** A target whose calls are chained. */
export interface Chained {
  chain: Promise<void>;
}

/** Runs `task` after every call queued before it for the same target; a failure is logged. */
export function enqueue(target: Chained, task: () => Promise<void>, logger: Logger): void {
  target.chain = target.chain.then(task).catch((error: unknown) => {
    logger.error('detector task failed', { error: errorText(error) });
  });
}

/** The delay before the next attempt of a failed start: 1 s, 2 s, 4 s … 60 s. */
export function nextRetryDelayMs(previousMs: number | undefined): number {
  return Math.min(previousMs ? previousMs * 2 : START_RETRY.initialMs, START_RETRY.maxMs);
}

/** Appends a record, dropping the oldest beyond {@link MAX_RECORDS}. */
export function keepRecord<T>(records: T[], record: T): void {
  records.push(record);
  if (records.length > MAX_RECORDS) records.shift();
}
