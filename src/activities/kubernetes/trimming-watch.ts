/** A Watch that asks for bookmarks and trims each object before the informer sees it. */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import type { InformerStats } from './watch';

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);

export class TrimmingWatch<T extends KubernetesObject> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly trim: (object: T) => T,
    private readonly counters: InformerStats,
    private readonly onEvent: () => void,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    this.counters.watches += 1;
    return super.watch(
      path,
      // Bookmarks move the informer's resourceVersion forward on quiet resources, so a reconnect
      // rarely finds it expired (410), which would cost a full LIST.
      { ...queryParams, allowWatchBookmarks: true },
      (phase, apiObj) => {
        this.onEvent();
        // The raw event (third argument) is dropped so nothing retains the untrimmed object.
        callback(phase, OBJECT_EVENTS.has(phase) ? this.trim(apiObj as T) : apiObj);
      },
      done,
    );
  }
}
