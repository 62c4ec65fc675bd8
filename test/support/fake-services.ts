/**
 * Services simulated at the activity boundary for the time-skipping tests of Service recovery: a
 * Service is reachable when its own workload works and every Service it depends on is reachable
 * (as a real client of a dead dependency fails its checks), restarts of its workload cure what a
 * restart cures, its latency follows its load per replica, and failover's two sides answer a
 * script. Every call is recorded with the workflow time it was scheduled at.
 */
import { Context } from '@temporalio/activity';
import type { ScalingBounds, ServiceSpec, ServiceTarget, WorkloadTarget } from '../../src/domain';
import { serviceTargetKey } from '../../src/domain';
import type {
  ServiceActivities,
  SelectorHealth,
  WorkloadHealth,
  RemediationRequest,
  RemediationResult,
} from '../../src/activities';

export const NS = 'shop';

export interface FakeServiceOptions {
  dependsOn?: string[];
  /** Restarts of its workload that make it work again (0: works; Infinity: never). @default 0 */
  brokenUntilRestarts?: number;
  scaling?: ScalingBounds;
  failover?: ServiceSpec['failover'];
  replicas?: number;
  hpa?: string;
  /** Its workload answers too slowly whatever is done (verification's performance check fails). */
  alwaysSlow?: boolean;
}

interface FakeService {
  target: ServiceTarget;
  workload: WorkloadTarget;
  spec: ServiceSpec;
  restartsNeeded: number;
  restarts: number;
  replicas: number;
  hpa: string | undefined;
  alwaysSlow: boolean;
  failoverActive: 'primary' | 'secondary';
}

export interface Call {
  name: string;
  /** The Service or workload it was about. */
  about: string;
  /** Workflow time (ms) the activity was scheduled at. */
  at: number;
  detail?: string;
}

export class FakeServices {
  readonly calls: Call[] = [];
  private readonly services = new Map<string, FakeService>();
  /** Requests per second to each Service (by name), as a function of how many readings were taken. */
  load: (name: string, reading: number) => number = () => 0;
  private readings = 0;
  /** Failover: the health of each side, by how many times that side was looked at. */
  sideHealth: (side: 'primary' | 'secondary', look: number) => SelectorHealth = () => ({
    pods: 1,
    ready: 1,
    workloads: [],
  });
  private looks = { primary: 0, secondary: 0 };
  upThreshold = 5;

  add(name: string, options: FakeServiceOptions = {}): this {
    const target = { namespace: NS, name };
    this.services.set(name, {
      target,
      workload: { kind: 'Deployment', namespace: NS, name },
      spec: {
        dependencies: (options.dependsOn ?? []).map((d) => ({ namespace: NS, name: d })),
        check: { path: '/healthz', timeoutMs: 2000, status: { min: 200, max: 299 } },
        ...(options.scaling ? { scaling: options.scaling } : {}),
        ...(options.failover ? { failover: options.failover } : {}),
      },
      restartsNeeded: options.brokenUntilRestarts ?? 0,
      restarts: 0,
      replicas: options.replicas ?? 1,
      hpa: options.hpa,
      alwaysSlow: options.alwaysSlow ?? false,
      failoverActive: 'primary',
    });
    return this;
  }

  restartsOf(name: string): number {
    return this.calls.filter((c) => c.name === 'remediateWorkload' && c.about === name).length;
  }

  replicasOf(name: string): number {
    return this.get(name).replicas;
  }

  callsOf(name: string): Call[] {
    return this.calls.filter((c) => c.name === name);
  }

  private get(name: string): FakeService {
    const s = this.services.get(name);
    if (!s) throw new Error(`no fake Service ${name}`);
    return s;
  }

  private record(name: string, about: string, detail?: string): void {
    let at = 0;
    try {
      at = Context.current().info.currentAttemptScheduledTimestampMs;
    } catch {
      // Not inside an activity.
    }
    this.calls.push({ name, about, at, ...(detail ? { detail } : {}) });
  }

  private works(s: FakeService): boolean {
    if (s.failoverActive === 'primary' && s.spec.failover && !this.peek('primary')) return false;
    return s.restarts >= s.restartsNeeded;
  }

  private peek(side: 'primary' | 'secondary'): boolean {
    const h = this.sideHealth(side, this.looks[side]);
    return h.pods > 0 && h.ready === h.pods;
  }

  /** Reachable: its own workload works and so does everything it depends on. */
  private reachable(s: FakeService, seen = new Set<string>()): boolean {
    if (seen.has(s.target.name)) return false;
    seen.add(s.target.name);
    return (
      this.works(s) &&
      s.spec.dependencies.every((d) => {
        const dep = this.services.get(d.name);
        return dep !== undefined && this.reachable(dep, new Set(seen));
      })
    );
  }

  private loadPerReplica(s: FakeService, reading: number): number {
    return this.load(s.target.name, reading) / Math.max(s.replicas, 1);
  }

  activities(): ServiceActivities & {
    workloadHealth(r: { workload: WorkloadTarget }): Promise<WorkloadHealth>;
    remediateWorkload(r: RemediationRequest): Promise<RemediationResult>;
  } {
    return {
      inspectService: async ({ service }) => {
        this.record('inspectService', service.name);
        const s = this.services.get(service.name);
        if (!s)
          return { exists: false, selector: {} as Record<string, string>, endpoints: [], workloads: [] };
        const ok = this.reachable(s);
        return {
          exists: true,
          spec: s.spec,
          selector: { app: s.target.name },
          endpoints: [{ address: `${s.target.name}:80`, ready: ok }],
          workloads: [s.workload],
          ...(s.spec.failover ? { failoverActive: s.failoverActive } : {}),
        };
      },
      checkConnectivity: async ({ service }) => {
        const ok = this.reachable(this.get(service.name));
        return { checked: 1, passed: ok ? 1 : 0, failures: ok ? [] : [`${service.name}:80: HTTP 503`] };
      },
      serviceHealth: async ({ service }) => {
        this.record('serviceHealth', service.name);
        const s = this.services.get(service.name);
        if (!s) return { exists: false, healthy: false, readyEndpoints: 0, why: 'no such Service' };
        const ok = this.reachable(s);
        return { exists: true, healthy: ok, readyEndpoints: ok ? 1 : 0, why: ok ? '' : 'HTTP 503' };
      },
      measurePerformance: async ({ service }) => {
        const s = this.get(service.name);
        const reading = this.readings++;
        const load = this.loadPerReplica(s, reading);
        this.record('measurePerformance', service.name, `load ${load}`);
        const slow = s.alwaysSlow || load > this.upThreshold;
        return {
          available: true,
          throughput: this.load(s.target.name, reading),
          loadPerReplica: load,
          breaches: slow ? ['response time 1200 ms > 500 ms'] : [],
        };
      },
      selectorHealth: async ({ selector }) => {
        const side = selector.role === 'secondary' ? 'secondary' : 'primary';
        const h = this.sideHealth(side, this.looks[side]++);
        this.record('selectorHealth', side, `${h.ready}/${h.pods}`);
        return h;
      },
      switchServiceSelector: async ({ service, to, dryRun }) => {
        this.record('switchServiceSelector', service.name, to);
        if (dryRun) return { outcome: 'dry-run', detail: `would have switched to the ${to}` };
        this.get(service.name).failoverActive = to;
        return { outcome: 'done', detail: `switched ${service.name} to the ${to}` };
      },
      workloadScale: async ({ workload }) => {
        const s = this.get(workload.name);
        return { exists: true, replicas: s.replicas, ready: s.replicas, ...(s.hpa ? { hpa: s.hpa } : {}) };
      },
      scaleWorkload: async ({ workload, from, replicas }) => {
        const s = this.get(workload.name);
        this.record('scaleWorkload', workload.name, `${from} → ${replicas}`);
        if (s.hpa) return { outcome: 'refused', detail: `HPA ${s.hpa} manages it` };
        if (s.replicas !== from) return { outcome: 'changed', detail: 'someone else scaled it' };
        s.replicas = replicas;
        return { outcome: 'done', detail: `scaled ${workload.name} ${from} → ${replicas}` };
      },
      recordServiceEvent: async ({ service, reason, message }) => {
        this.record('recordServiceEvent', service.name, `${reason}: ${message}`);
      },
      dependencyGraph: async ({ service }) => {
        const edges: Record<string, string[]> = {};
        const missing: string[] = [];
        const queue = [service];
        while (queue.length > 0) {
          const next = queue.shift()!;
          const key = serviceTargetKey(next);
          if (key in edges || missing.includes(key)) continue;
          const s = this.services.get(next.name);
          if (!s) {
            missing.push(key);
            continue;
          }
          edges[key] = s.spec.dependencies.map(serviceTargetKey);
          queue.push(...s.spec.dependencies);
        }
        return { edges, missing, invalid: {} };
      },
      workloadHealth: async ({ workload }) => {
        const s = this.get(workload.name);
        const ok = this.works(s);
        return {
          exists: true,
          rolloutComplete: true,
          desired: s.replicas,
          ready: s.replicas,
          failing: [],
          failingPods: [],
          management: s.hpa ? { hpa: s.hpa } : {},
          restarts: 0,
          pods: `${s.target.name}-pods`,
          fingerprint: `fp-${s.restarts}-${ok}`,
        };
      },
      remediateWorkload: async ({ workload, remediation, step }) => {
        this.record('remediateWorkload', workload.name, `${remediation.kind} ${step}`);
        const s = this.get(workload.name);
        s.restarts++;
        return {
          outcome: 'done',
          detail: `restarted ${workload.name} (${step})`,
          fingerprint: `fp-${s.restarts}`,
        };
      },
    };
  }
}
