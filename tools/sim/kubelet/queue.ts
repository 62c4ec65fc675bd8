/**
 * A keyed work queue: a key queued twice before it is worked on is worked on once, and a key is
 * never worked on by two workers at a time. With a thousand crash-looping pods each updated every
 * few seconds by kwok, this keeps the kubelet to one reconcile per pod at a time.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly work: (key: string) => Promise<void>;
  private readonly concurrency: number;
  private running = 0;

  constructor(work: (key: string) => Promise<void>, concurrency: number) {
    this.work = work;
    this.concurrency = concurrency;
  }

  add(key: string): void {
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.pending.add(key);
    this.pump();
  }

  /** Adds the key again after `ms` (a retry, or a back-off that ends). */
  addAfter(key: string, ms: number): void {
    setTimeout(() => this.add(key), ms).unref();
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const key = this.pending.values().next().value;
      if (key === undefined) return;
      this.pending.delete(key);
      this.active.add(key);
      this.running += 1;
      void this.work(key).finally(() => {
        this.active.delete(key);
        this.running -= 1;
        if (this.dirty.delete(key)) this.pending.add(key);
        this.pump();
      });
    }
  }
}
