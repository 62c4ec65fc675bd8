/**
 * The service source of the detector: informers on Services and EndpointSlices (trimmed, list +
 * watch) feeding the pure rules (./service-rules.ts), one timer per watched Service, and the calls
 * that start or inform one Service recovery per failing Service (./service-calls.ts). See
 * docs/detector.md, "The service source".
 *
 * - `NoReadyEndpoints`: no ready endpoint for `failure_threshold × check_interval`, counted from
 *   when this process saw the last one go (a timer; a flap resets it).
 * - `ConnectivityFailed`: the HTTP check failing on an endpoint `failure_threshold` checks in a
 *   row. A Service with ready endpoints is checked every `check_interval`, at a phase of its own
 *   (a hash of its name), all checks sharing `check_concurrency`.
 */
import type { EventRecorder, ServiceSourceInformers } from '../../activities/kubernetes/watch';
import type { ServiceEndpoint } from '../../activities/service/types';
import type { ConfigSource } from '../../config/config-source';
import type { RecoveryConfig } from '../../config/recovery-config';
import type { ConnectivityCheck, ServiceFailureReason } from '../../domain';
import { describeProblems } from '../../domain';
import type { Logger } from '../../logging';
import type { Clock, TimerHandle } from './clock';
import type { EventHub } from './event-hub';
import type { ServiceCallState } from './service-calls';
import { ServiceCalls } from './service-calls';
import { CheckLimiter, checkService } from './service-checks';
import type { EndpointCheck } from '../../activities/service/http-check';
import { reportInvalidAnnotation } from './service-findings';
import { nextSlot, SliceIndex } from './service-index';
import type { ServiceView } from './service-rules';
import {
  judgeEndpoints,
  serviceKey,
  serviceOptOut,
  serviceSpecOf,
  serviceViewOf,
  unwatchedReason,
} from './service-rules';
import type { ServiceSourceStats } from './service-types';
import type { ServiceGateway } from './types';

export interface ServiceSourceDeps {
  informers: ServiceSourceInformers;
  gateway: ServiceGateway;
  events: EventRecorder;
  endpointCheck: EndpointCheck;
  logger: Logger;
  clock: Clock;
  configSource: ConfigSource;
  hub: EventHub;
}

/** What the source keeps of one watched Service. */
interface ServiceTrack extends ServiceCallState {
  key: string;
  timer?: { handle: TimerHandle; at: number };
  /** When this process saw the Service without a ready endpoint (the episode's start). */
  noReadySince?: number;
  /** Connectivity checks failed in a row. */
  failedChecks: number;
  checking: boolean;
}

export class ServiceSource {
  private readonly tracks = new Map<string, ServiceTrack>();
  private readonly slices = new SliceIndex();
  /** Services skipped for a bad annotation: the problems' text, evented once per value. */
  private readonly invalid = new Map<string, string>();
  private readonly optedOut = new Set<string>();
  private readonly checks = { ok: 0, failed: 0 };
  private readonly limiter: CheckLimiter;
  private readonly calls: ServiceCalls;
  private running = false;
  private synced = false;
  private unsubscribeConfig: (() => void) | undefined;

  constructor(private readonly deps: ServiceSourceDeps) {
    const { informers, configSource } = deps;
    this.limiter = new CheckLimiter(() => configSource.current().service.check_concurrency);
    this.calls = new ServiceCalls(deps);
    for (const verb of ['add', 'update'] as const) {
      informers.services.on(verb, (s) => this.reconcileKey(serviceKeyOf(s)));
      informers.endpointSlices.on(verb, (slice) =>
        this.slices.put(slice).forEach((k) => this.reconcileKey(k)),
      );
    }
    informers.services.on('delete', (s) => this.reconcileKey(serviceKeyOf(s)));
    informers.endpointSlices.on('delete', (slice) => this.reconcileKey(this.slices.remove(slice)));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Thresholds, interval, opt-out label and check defaults apply live.
    this.unsubscribeConfig = this.deps.configSource.onChange(() => this.reconcileAll());
    await Promise.all([this.deps.informers.endpointSlices.start(), this.deps.informers.services.start()]);
    this.synced = true;
    this.reconcileAll();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.synced = false;
    this.unsubscribeConfig?.();
    await Promise.all([this.deps.informers.services.stop(), this.deps.informers.endpointSlices.stop()]);
    for (const track of this.tracks.values()) this.clearTimer(track);
    await this.calls.stop();
  }

  stats(): ServiceSourceStats {
    const { services, endpointSlices } = this.deps.informers;
    const limiter = this.limiter.stats();
    return {
      synced: this.synced,
      cached: { services: services.list().length, endpointSlices: endpointSlices.list().length },
      watched: this.tracks.size,
      skipped: { optedOut: this.optedOut.size, invalid: this.invalid.size },
      unhealthy: [...this.tracks.values()].flatMap((t) => {
        const reason: ServiceFailureReason | undefined =
          t.noReadySince !== undefined
            ? 'NoReadyEndpoints'
            : t.failedChecks > 0
              ? 'ConnectivityFailed'
              : undefined;
        if (!reason) return [];
        const since = t.noReadySince === undefined ? {} : { since: new Date(t.noReadySince).toISOString() };
        return [{ service: t.key, reason, ...since, failedChecks: t.failedChecks, reported: t.reported }];
      }),
      checks: {
        ...this.checks,
        inFlight: limiter.inFlight,
        queued: limiter.queued,
        peakInFlight: limiter.peak,
      },
      ...this.calls.stats(),
      informers: { services: services.stats(), endpointSlices: endpointSlices.stats() },
    };
  }

  private reconcileAll(): void {
    for (const service of this.deps.informers.services.list()) this.reconcileKey(serviceKeyOf(service));
  }

  /** Re-judges one Service from the caches. Idempotent: called on every event and config change. */
  private reconcileKey(key: string | undefined): void {
    if (!this.running || !this.synced || !key) return;
    const [namespace = '', name = ''] = key.split('/');
    const view = serviceViewOf(this.deps.informers.services.get(name, namespace));
    const config = this.deps.configSource.current();
    if (!view || !this.judged(view, key, config)) return this.forget(key);
    const track = this.trackOf(view, key);
    const now = this.deps.clock.now();
    const { noReady } = judgeEndpoints(this.slices.endpoints(key), this.slices.count(key));
    if (noReady) {
      track.noReadySince ??= now;
      track.failedChecks = 0;
    } else if (track.noReadySince !== undefined) this.endNoReady(track);
    this.schedule(track, config, now);
  }

  /** Whether the Service is judged: watched, enabled, not opted out, its annotations valid. */
  private judged(view: ServiceView, key: string, config: RecoveryConfig): boolean {
    this.optedOut.delete(key);
    if (!config.service.enabled || unwatchedReason(view, this.slices.count(key))) return false;
    if (serviceOptOut(view, config.opt_out_label)) {
      this.optedOut.add(key);
      return false;
    }
    const parsed = serviceSpecOf(view, config);
    if ('spec' in parsed) {
      this.invalid.delete(key);
      return true;
    }
    const problems = describeProblems(parsed.problems);
    if (this.invalid.get(key) === problems) return false;
    this.invalid.set(key, problems);
    reportInvalidAnnotation(this.deps, view, problems);
    return false;
  }

  private trackOf(view: ServiceView, key: string): ServiceTrack {
    let track = this.tracks.get(key);
    if (!track) {
      const target = { namespace: view.namespace, name: view.name };
      track = {
        key,
        target,
        chain: Promise.resolve(),
        reported: false,
        started: false,
        episode: 0,
        failedChecks: 0,
        checking: false,
      };
      this.tracks.set(key, track);
    }
    return track;
  }

  /** The episode of no ready endpoints is over; a flap when it never got reported. */
  private endNoReady(track: ServiceTrack): void {
    track.noReadySince = undefined;
    if (!track.reported) this.flapped(track, 'NoReadyEndpoints');
  }

  private flapped(track: ServiceTrack, reason: ServiceFailureReason): void {
    this.deps.hub.emit({ type: 'flap-suppressed', kind: 'service', target: track.key, reason });
  }

  /** The next observation: the end of the no-endpoint window, else the Service's next check slot. */
  private schedule(track: ServiceTrack, config: RecoveryConfig, now: number): void {
    const intervalMs = config.service.check_interval * 1000;
    const confirmAt = (track.noReadySince ?? -Infinity) + config.service.failure_threshold * intervalMs;
    const at = confirmAt > now ? confirmAt : nextSlot(track.key, now, intervalMs);
    if (track.timer?.at === at) return;
    this.clearTimer(track);
    const handle = this.deps.clock.setTimer(() => {
      track.timer = undefined;
      this.observe(track);
    }, at - now);
    track.timer = { handle, at };
  }

  /** One observation of a watched Service: its endpoints, or a connectivity check. */
  private observe(track: ServiceTrack): void {
    if (this.tracks.get(track.key) !== track) return;
    const config = this.deps.configSource.current();
    const now = this.deps.clock.now();
    const endpoints = this.slices.endpoints(track.key);
    const { noReady, ready } = judgeEndpoints(endpoints, this.slices.count(track.key));
    const windowMs = config.service.failure_threshold * config.service.check_interval * 1000;
    if (noReady && track.noReadySince !== undefined && now >= track.noReadySince + windowMs) {
      const firedAt = Math.min(now, track.noReadySince + windowMs);
      this.calls.failing(track, { reason: 'NoReadyEndpoints', message: noReady, firedAt });
    } else if (!noReady) this.connectivity(track, ready, config);
    this.schedule(track, config, now);
  }

  private connectivity(track: ServiceTrack, ready: ServiceEndpoint[], config: RecoveryConfig): void {
    const [namespace = '', name = ''] = track.key.split('/');
    const view = serviceViewOf(this.deps.informers.services.get(name, namespace));
    const check = view && checkOf(view, config);
    if (track.checking) return;
    // Without an HTTP check (not opted in: it may not speak HTTP), ready endpoints are health.
    if (!check || !ready.some((e) => e.address !== '')) return this.calls.healthy(track);
    track.checking = true;
    void checkService(ready, check, this.limiter, this.deps.endpointCheck).then((result) => {
      track.checking = false;
      if (!this.running || this.tracks.get(track.key) !== track) return;
      this.checked(track, result.failures);
    });
  }

  private checked(track: ServiceTrack, failures: string[]): void {
    const ok = failures.length === 0;
    this.checks[ok ? 'ok' : 'failed'] += 1;
    this.deps.hub.emit({ type: 'service-checked', service: track.key, ok, failures });
    if (ok) {
      if (track.failedChecks > 0 && !track.reported) this.flapped(track, 'ConnectivityFailed');
      track.failedChecks = 0;
      return this.calls.healthy(track);
    }
    // A check that ends after the Service lost its endpoints counts for that episode, not this one.
    if (track.noReadySince !== undefined) return;
    track.failedChecks += 1;
    const threshold = this.deps.configSource.current().service.failure_threshold;
    if (track.failedChecks < threshold) return;
    const more = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
    const message = `connectivity check failed: ${failures.slice(0, 3).join('; ')}${more}`;
    this.calls.failing(track, { reason: 'ConnectivityFailed', message, firedAt: this.deps.clock.now() });
  }

  /** No longer judged (deleted, opted out, invalid, disabled): timers go; nothing is signalled. */
  private forget(key: string): void {
    const track = this.tracks.get(key);
    if (!this.deps.informers.services.get(key.split('/')[1] ?? '', key.split('/')[0])) {
      this.invalid.delete(key);
      this.optedOut.delete(key);
    }
    if (!track) return;
    this.clearTimer(track);
    this.tracks.delete(key);
  }

  private clearTimer(track: ServiceTrack): void {
    if (track.timer) this.deps.clock.clearTimer(track.timer.handle);
    track.timer = undefined;
  }
}

function serviceKeyOf(service: unknown): string | undefined {
  const view = serviceViewOf(service);
  return view && serviceKey(view);
}

/** The Service's HTTP check, when it opted in: its annotations over the config's defaults (valid: judged() said so). */
function checkOf(view: ServiceView, config: RecoveryConfig): ConnectivityCheck | undefined {
  const parsed = serviceSpecOf(view, config);
  return 'spec' in parsed ? parsed.spec.check : undefined;
}
