/**
 * The storm guard's second half: the detector stops starting recoveries during a storm, and this
 * relay tells the node disruption budget, which then grants no permit, so recoveries already
 * waiting for one do not proceed either. It lifts the hold when remediation resumes (the storm
 * cleared and its cooldown passed), not when the storm merely clears.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from '../logging';
import { errorText } from '../logging';
import type { DetectorEvent } from './detector';
import { signalStorm } from './recoveries';

/** A detector listener relaying storms to the node budget of `taskQueue`'s workers. */
export function stormRelay(
  client: Client,
  taskQueue: string,
  logger: Logger,
): (event: DetectorEvent) => void {
  return (event) => {
    if (event.type !== 'storm' || event.phase === 'cleared') return;
    const storm = { active: event.phase === 'started', reason: event.state.reason };
    signalStorm(client, taskQueue, storm).catch((error: unknown) =>
      logger.error('could not signal the storm to the disruption budget', {
        error: errorText(error),
        ...storm,
      }),
    );
  };
}
