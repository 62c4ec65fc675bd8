/**
 * In-memory stand-ins for the detector's service source: Services and EndpointSlices as the
 * trimmed caches hold them, a gateway that records every start and signal, an endpoint check
 * answering per address (or held open, to count what runs at once), and an Event recorder. The
 * clock and informers are the pod source's (./pod-source-fakes.ts).
 */
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { DetectorKubernetes, EventToRecord } from '../../src/activities/kubernetes/watch';
import type { ServiceEndpoint } from '../../src/activities/service/types';
import type { ConnectivityCheck, Evidence, ServiceRecoveryInput, ServiceTarget } from '../../src/domain';
import { serviceName } from '../../src/domain';
import type { ServiceGateway } from '../../src/starter/detector/types';
import type { ManualClock } from './pod-source-fakes';
import { FakeInformer } from './pod-source-fakes';

export interface ServiceOptions {
  namespace?: string;
  selector?: Record<string, string> | null;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A Service as the trimmed cache holds it: selector `app=<name>` and opted in to the HTTP check
 * (`check-path: /healthz`) unless told otherwise.
 */
export function service(name: string, options: ServiceOptions = {}): V1Service {
  const selector = options.selector === undefined ? { app: name } : options.selector;
  return {
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      labels: options.labels,
      annotations: options.annotations ?? { 'self-healing.temporal.io/check-path': '/healthz' },
    },
    spec: { type: options.type ?? 'ClusterIP', ...(selector ? { selector } : {}) },
  };
}

/** An EndpointSlice of `serviceName` with one endpoint per address (ready unless listed in `notReady`). */
export function slice(
  serviceName: string,
  addresses: string[],
  options: { name?: string; namespace?: string; notReady?: string[]; port?: number } = {},
): V1EndpointSlice {
  return {
    metadata: {
      name: options.name ?? `${serviceName}-abc`,
      namespace: options.namespace ?? 'shop',
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((address) => ({
      addresses: [address],
      conditions: { ready: !(options.notReady ?? []).includes(address) },
    })),
    ports: [{ name: 'http', port: options.port ?? 8080, protocol: 'TCP' }],
  };
}

/** Records what the service source asks of Temporal. */
export class FakeServiceGateway implements ServiceGateway {
  readonly starts: (ServiceRecoveryInput & { at: number })[] = [];
  readonly signals: { service: string; evidence: Evidence; at: number }[] = [];
  failStarts = 0;
  constructor(private readonly clock: ManualClock) {}
  async startService(input: ServiceRecoveryInput) {
    this.starts.push({ ...input, at: this.clock.now() });
    if (this.failStarts > 0) {
      this.failStarts -= 1;
      throw new Error('temporal unavailable');
    }
    return { workflowId: `service-recovery/${serviceName(input.service)}`, runId: 'run-1' };
  }
  async signalService(target: ServiceTarget, evidence: Evidence) {
    this.signals.push({ service: serviceName(target), evidence, at: this.clock.now() });
    return 'signalled' as const;
  }
  startsOf(service: string) {
    return this.starts.filter((s) => serviceName(s.service) === service);
  }
  readiesOf(service: string) {
    return this.signals.filter((s) => s.service === service && s.evidence.reason === 'Ready');
  }
}

/**
 * An endpoint check answering by address: a status per address (200 by default), judged against
 * the check's range. `hold` keeps every check open until {@link release}, to count how many run.
 */
export class FakeEndpointCheck {
  readonly status = new Map<string, number>();
  readonly calls: { address: string; check: ConnectivityCheck; at: number }[] = [];
  hold = false;
  inFlight = 0;
  peak = 0;
  private held: (() => void)[] = [];
  constructor(private readonly clock: ManualClock) {}
  readonly check = async (endpoint: ServiceEndpoint, check: ConnectivityCheck) => {
    this.calls.push({ address: endpoint.address, check, at: this.clock.now() });
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    this.inFlight -= 1;
    const status = this.status.get(endpoint.address) ?? 200;
    return status >= check.status.min && status <= check.status.max
      ? undefined
      : `${endpoint.address}: HTTP ${status}`;
  };
  release(): void {
    this.hold = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** The adapter with Service informers over the given fakes; Events recorded into `events`. */
export function serviceKubernetes(
  services: FakeInformer<V1Service>,
  endpointSlices: FakeInformer<V1EndpointSlice>,
  events: EventToRecord[],
): DetectorKubernetes {
  return {
    nodeInformer: () => new FakeInformer<V1Node>(),
    configMapInformer: () => {
      throw new Error('not used');
    },
    serviceSourceInformers: () => ({ services, endpointSlices }),
    events: {
      record: async (event) => {
        events.push(event);
        return true;
      },
    },
  };
}
