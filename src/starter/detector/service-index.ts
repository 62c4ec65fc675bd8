/**
 * The service source's index of EndpointSlices by Service (their `kubernetes.io/service-name`
 * label), endpoints extracted once per slice event; and each Service's check phase, so Services
 * checked every `check_interval` are spread over it rather than all fired at once.
 */
import type { ServiceEndpoint } from '../../activities/service/types';
import { endpointsOfSlice, objectKey, sliceServiceKey } from './service-rules';

export class SliceIndex {
  /** Service key → slice key → its endpoints. */
  private readonly byService = new Map<string, Map<string, ServiceEndpoint[]>>();
  /** Slice key → the Service key it was filed under. */
  private readonly owner = new Map<string, string>();

  /** Files (or refiles) a slice. @returns the Services whose endpoints changed. */
  put(slice: unknown): string[] {
    const key = objectKey(slice);
    if (!key) return [];
    const before = this.removeKey(key);
    const service = sliceServiceKey(slice);
    if (service) {
      const slices = this.byService.get(service) ?? new Map<string, ServiceEndpoint[]>();
      slices.set(key, endpointsOfSlice(slice));
      this.byService.set(service, slices);
      this.owner.set(key, service);
    }
    return [...new Set([before, service].filter((s): s is string => s !== undefined))];
  }

  /** Forgets a deleted slice. @returns the Service it belonged to. */
  remove(slice: unknown): string | undefined {
    const key = objectKey(slice);
    return key ? this.removeKey(key) : undefined;
  }

  endpoints(service: string): ServiceEndpoint[] {
    return [...(this.byService.get(service)?.values() ?? [])].flat();
  }

  count(service: string): number {
    return this.byService.get(service)?.size ?? 0;
  }

  private removeKey(key: string): string | undefined {
    const service = this.owner.get(key);
    if (service === undefined) return undefined;
    this.owner.delete(key);
    const slices = this.byService.get(service);
    slices?.delete(key);
    if (slices?.size === 0) this.byService.delete(service);
    return service;
  }
}

/**
 * The first time after `now` that is the Service's phase modulo `intervalMs`: the phase is a hash
 * of its key, stable across restarts, so 200 Services make ~200 evenly spread checks per interval.
 */
export function nextSlot(key: string, now: number, intervalMs: number): number {
  const phase = fnv1a(key) % intervalMs;
  const offset = (((phase - now) % intervalMs) + intervalMs) % intervalMs;
  return now + (offset === 0 ? intervalMs : offset);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
