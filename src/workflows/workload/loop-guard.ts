/**
 * What stops remediation loops on one workload: the cooldown after the product's last remediation
 * and the cap per rolling hour, read from the times the product writes on the workload.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import type { WorkloadRecoveryPolicy } from '../../domain';

const HOUR = 3_600_000;

/** Why the workload must not be remediated again now, or undefined when it may be. */
export function loopGuard(
  remediations: readonly string[],
  policy: Pick<WorkloadRecoveryPolicy, 'cooldown' | 'maxRemediationsPerHour'>,
  now: Date,
): string | undefined {
  const times = remediations.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  const last = Math.max(...times);
  const since = now.getTime() - last;
  if (times.length > 0 && since < msToNumber(policy.cooldown))
    return `the product remediated this workload ${Math.round(since / 1000)}s ago, within its cooldown of ${policy.cooldown}`;
  const lastHour = times.filter((t) => now.getTime() - t < HOUR).length;
  if (lastHour >= policy.maxRemediationsPerHour)
    return `the product remediated this workload ${lastHour} times in the last hour (cap ${policy.maxRemediationsPerHour})`;
  return undefined;
}
