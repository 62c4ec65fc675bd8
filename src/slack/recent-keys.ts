/**
 * Keys seen in the last few minutes: what makes the Slack app say "already handled" to a replayed
 * request or a retried delivery of the same click. In memory, per process: the workflow's Update
 * ID (the click's trigger ID) guards the recovery itself across replicas and restarts.
 */
export class RecentKeys {
  /** Key to the time it expires; insertion order is expiry order, as every key lives as long. */
  private readonly expiries = new Map<string, number>();

  /**
   * @param ttlMs how long a key is remembered.
   * @param now milliseconds since the epoch. @default Date.now
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers `key`. @returns false when it was already remembered (a repeat). */
  add(key: string): boolean {
    const now = this.now();
    for (const [known, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(known);
    }
    if (this.expiries.has(key)) return false;
    this.expiries.set(key, now + this.ttlMs);
    return true;
  }

  /** Forgets `key`, so that a later repeat is handled again (its first handling failed). */
  delete(key: string): void {
    this.expiries.delete(key);
  }
}
