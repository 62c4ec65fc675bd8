/**
 * Failover's switch: `spec.selector` set to one side's selector, the side and the step recorded
 * in annotations, and an Event on the Service. Idempotent by the step token; it steps back when
 * someone else pointed the Service elsewhere.
 */
import type { FailoverSpec, Selector, ServiceDefaults, ServiceTarget } from '../../domain';
import {
  formatSelector,
  parseServiceSpec,
  sameSelector,
  serviceName,
  ServiceAnnotations,
} from '../../domain';
import { workflowId } from '../context';
import type { ServicesPort } from '../ports';
import type { SwitchRequest, SwitchResult } from './types';

/** Conflicts (someone else's write between our read and patch) retried before giving up. */
const CONFLICT_ATTEMPTS = 3;

type Port = Pick<ServicesPort, 'readService' | 'patchService' | 'recordServiceEvent'>;

/** Switches the Service to `request.to`; see {@link SwitchResult} for the outcomes. */
export async function switchSelector(
  services: Port,
  defaults: ServiceDefaults,
  request: SwitchRequest,
): Promise<SwitchResult> {
  const { service, to, selector, step, dryRun } = request;
  const token = `${workflowId()}#${step}`;
  const name = serviceName(service);
  for (let attempt = 1; ; attempt += 1) {
    const object = await services.readService(service);
    if (!object) return { outcome: 'gone', detail: `Service ${name} is gone` };
    const failover = failoverOf(service, object.annotations, defaults);
    const from = formatSelector(object.selector);
    if (sameSelector(object.selector, selector)) {
      if (object.annotations[ServiceAnnotations.failoverSwitchedBy] !== token)
        return { outcome: 'done', detail: `Service ${name} already selects ${from}` };
      const detail = `${step} was done by an earlier attempt: Service ${name} selects ${from}`;
      await recordSwitch(services, service, detail);
      return { outcome: 'done', detail };
    }
    const refused = unexpected(name, object.selector, failover, request);
    if (refused) return refused;
    const what = `switched Service ${name} from ${from} to ${formatSelector(selector)} (${to})`;
    if (dryRun) return { outcome: 'dry-run', detail: `would have ${what}` };
    const sent = await services.patchService(service, {
      resourceVersion: object.resourceVersion,
      selector,
      annotations: {
        [ServiceAnnotations.failoverActive]: to,
        [ServiceAnnotations.failoverSwitchedBy]: token,
      },
    });
    if (sent === 'gone') return { outcome: 'gone', detail: `Service ${name} is gone` };
    if (sent === 'patched') {
      await recordSwitch(services, service, what);
      return { outcome: 'done', detail: what };
    }
    if (attempt >= CONFLICT_ATTEMPTS)
      return { outcome: 'changed', detail: `Service ${name} kept changing under us` };
  }
}

/** `changed` when the Service no longer declares this failover, or selects neither side. */
function unexpected(
  name: string,
  current: Selector,
  failover: FailoverSpec | undefined,
  { to, selector }: SwitchRequest,
): SwitchResult | undefined {
  if (!failover || !sameSelector(failover[to], selector))
    return {
      outcome: 'changed',
      detail: `Service ${name} no longer declares ${formatSelector(selector)} as its failover ${to}`,
    };
  if (!sameSelector(current, failover.primary) && !sameSelector(current, failover.secondary))
    return {
      outcome: 'changed',
      detail: `Service ${name} selects ${formatSelector(current)}, neither its failover primary nor its secondary: someone else changed it`,
    };
  return undefined;
}

/** The failover the Service declares, whatever its other annotations say. */
function failoverOf(
  service: ServiceTarget,
  annotations: Readonly<Record<string, string>>,
  defaults: ServiceDefaults,
): FailoverSpec | undefined {
  const keys = [ServiceAnnotations.failoverPrimary, ServiceAnnotations.failoverSecondary];
  const own = Object.fromEntries(
    keys.flatMap((k) => (annotations[k] === undefined ? [] : [[k, annotations[k]]])),
  );
  const parsed = parseServiceSpec(service, own, defaults);
  return 'spec' in parsed ? parsed.spec.failover : undefined;
}

/** The switch's Event on the Service, naming the workflow. */
async function recordSwitch(services: Port, service: ServiceTarget, what: string): Promise<void> {
  await services.recordServiceEvent(service, {
    type: 'Normal',
    reason: 'SelfHealingFailover',
    message: `${what} (workflow ${workflowId()})`,
  });
}
