/**
 * In-memory stand-ins for the detector's pod source: a manual clock, informers whose objects are
 * plain values fed through the same `add`/`update`/`delete` callbacks the real informer calls
 * (cache first, then callbacks, as the client's ListWatch does), and a recovery gateway that
 * records every call, can fail starts and can hold a start open to test ordering. No module mocks.
 */
import type { KubernetesObject, V1Namespace, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { InformerStats, ObjectInformer } from '../../src/activities/kubernetes/watch';
import type { Evidence, WorkloadRecoveryInput, WorkloadTarget } from '../../src/domain';
import { workloadTargetKey } from '../../src/domain';
import type { Clock, RecoveryGateway } from '../../src/starter/detector';

export const T0 = Date.parse('2026-03-01T12:00:00Z');
export const iso = (ms: number) => new Date(ms).toISOString();

/** Time that moves only when told; due timers fire in order, each followed by a flush. */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  /** Every timer fires this much after it is due, as a busy event loop's do. */
  lateMs = 0;
  constructor(public time = T0) {}
  now = () => this.time;
  setTimer = (fn: () => void, delayMs: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + Math.max(0, delayMs) + this.lateMs, fn, id });
    return id;
  };
  clearTimer = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  /** Timers armed now. */
  pending(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/** Lets every promise chain that is ready run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** An informer over a map keyed by namespace/name. */
export class FakeInformer<T extends KubernetesObject> implements ObjectInformer<T> {
  private readonly objects = new Map<string, T>();
  private readonly callbacks: Record<'add' | 'update' | 'delete', ((o: T) => void)[]> = {
    add: [],
    update: [],
    delete: [],
  };
  started = false;
  constructor(initial: T[] = []) {
    for (const o of initial) this.objects.set(keyOf(o), o);
  }
  on(verb: 'add' | 'update' | 'delete', cb: (o: T) => void) {
    this.callbacks[verb].push(cb);
  }
  get(name: string, namespace?: string) {
    return this.objects.get(namespace === undefined ? name : `${namespace}/${name}`);
  }
  list() {
    return [...this.objects.values()];
  }
  async start() {
    this.started = true;
    for (const o of this.objects.values()) this.callbacks.add.forEach((cb) => cb(o));
  }
  async stop() {
    this.started = false;
  }
  stats(): InformerStats {
    return { lists: 1, watches: 1, restarts: 0, synced: this.started };
  }
  /** Adds or replaces an object, as a watch event would. */
  put(o: T) {
    const key = keyOf(o);
    const verb = this.objects.has(key) ? 'update' : 'add';
    this.objects.set(key, o);
    this.callbacks[verb].forEach((cb) => cb(o));
  }
  remove(name: string, namespace?: string) {
    const key = namespace === undefined ? name : `${namespace}/${name}`;
    const o = this.objects.get(key);
    if (!o) return;
    this.objects.delete(key);
    this.callbacks.delete.forEach((cb) => cb(o));
  }
}

function keyOf(o: KubernetesObject): string {
  const { name, namespace } = o.metadata ?? {};
  return namespace === undefined ? String(name) : `${namespace}/${String(name)}`;
}

/** One call the detector made to Temporal, in the order the gateway saw it. */
export type GatewayCall =
  | { type: 'start'; at: number; workload: string; pod: string; reason: string }
  | { type: 'started'; at: number; workload: string }
  | { type: 'signal'; at: number; workload: string; pod?: string; reason: string };

/** Records what the detector asks of Temporal; `failStarts` fails that many starts, `hold` holds them open. */
export class FakeWorkloadGateway implements RecoveryGateway {
  readonly calls: GatewayCall[] = [];
  readonly inputs: WorkloadRecoveryInput[] = [];
  failStarts = 0;
  /** While true, starts stay pending until {@link release}. */
  hold = false;
  /** Resolves (or rejects) the start in flight after `delayMs` of the clock, when set. */
  startLatencyMs = 0;
  private held: (() => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  async start(): Promise<never> {
    throw new Error('no node recovery expected: the node source does not run here');
  }
  async signal(): Promise<never> {
    throw new Error('no node recovery expected: the node source does not run here');
  }
  async startWorkload(input: WorkloadRecoveryInput) {
    const workload = workloadTargetKey(input.workload);
    this.calls.push({ type: 'start', at: this.clock.now(), workload, pod: input.pod, reason: input.reason });
    this.inputs.push(input);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.startLatencyMs > 0)
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.startLatencyMs));
    if (this.failStarts > 0) {
      this.failStarts -= 1;
      throw new Error('temporal unavailable');
    }
    this.calls.push({ type: 'started', at: this.clock.now(), workload });
    return { workflowId: `workload-recovery/${workload}`, runId: 'run-1' };
  }
  async signalWorkload(target: WorkloadTarget, evidence: Evidence) {
    const workload = workloadTargetKey(target);
    this.calls.push({
      type: 'signal',
      at: this.clock.now(),
      workload,
      pod: evidence.pod,
      reason: evidence.reason,
    });
    return 'signalled' as const;
  }
  /** Lets every held start go on. */
  release(): void {
    this.hold = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
  starts(workload?: string) {
    return this.calls.filter((c) => c.type === 'start' && (!workload || c.workload === workload));
  }
  readies(workload?: string) {
    return this.calls.filter(
      (c) => c.type === 'signal' && c.reason === 'Ready' && (!workload || c.workload === workload),
    );
  }
  /** Calls as short strings: `start web-1`, `started`, `signal web-2 CrashLoopBackOff`, `signal Ready`. */
  story(): string[] {
    return this.calls.map((c) =>
      c.type === 'start'
        ? `start ${c.pod}`
        : c.type === 'started'
          ? 'started'
          : `signal ${c.pod ? `${c.pod} ` : ''}${c.reason}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Objects

export interface PodOptions {
  namespace?: string;
  /** Owners; by default the ReplicaSet `web-a` as controller. */
  owners?: { kind: string; name: string; controller?: boolean }[];
  labels?: Record<string, string>;
  phase?: string;
  /** A container waiting with this reason (CrashLoopBackOff …); the pod is then not Ready. */
  waiting?: string;
  ready?: boolean;
  readySince?: number;
  restartCount?: number;
  deleting?: boolean;
  rv?: string;
}

/** A pod as the trimmed cache holds it. Healthy (Running, Ready) unless told otherwise. */
export function pod(name: string, options: PodOptions = {}): V1Pod {
  const failing = options.waiting !== undefined;
  const ready = options.ready ?? (!failing && (options.phase ?? 'Running') === 'Running');
  return {
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      uid: `uid-${name}`,
      resourceVersion: options.rv,
      labels: options.labels,
      ownerReferences: (options.owners ?? [{ kind: 'ReplicaSet', name: 'web-a', controller: true }]).map(
        (o) => ({ apiVersion: 'apps/v1', uid: `uid-${o.name}`, ...o }),
      ),
      ...(options.deleting ? { deletionTimestamp: new Date(T0) } : {}),
    },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: iso(options.readySince ?? T0) as unknown as Date,
        },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'web:1',
          imageID: '',
          ready,
          restartCount: options.restartCount ?? 0,
          state: failing ? { waiting: { reason: options.waiting } } : { running: {} },
        },
      ],
    },
  };
}

/** A ReplicaSet as the trimmed cache holds it: controlled by `deployment` unless null. */
export function replicaSet(
  name: string,
  options: {
    deployment?: string | null;
    namespace?: string;
    labels?: Record<string, string>;
    replicas?: number;
    owners?: { kind: string; name: string; controller?: boolean }[];
  } = {},
): V1ReplicaSet {
  const deployment = options.deployment === undefined ? 'web' : options.deployment;
  const owners =
    options.owners ??
    (deployment === null ? [] : [{ kind: 'Deployment', name: deployment, controller: true }]);
  return {
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      labels: options.labels,
      ownerReferences: owners.map((o) => ({ apiVersion: 'apps/v1', uid: `uid-${o.name}`, ...o })),
    },
    ...(options.replicas === undefined ? {} : { spec: { replicas: options.replicas, selector: {} } }),
  };
}

export function namespace(name: string, labels?: Record<string, string>): V1Namespace {
  return { metadata: { name, labels } };
}
