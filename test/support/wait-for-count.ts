/**
 * Waiting for a recording test server (SMTP receiver, PagerDuty stand-in) to have received enough:
 * the server calls every waiter after each item it records.
 */

/**
 * Resolves with the first `count` of `items` once there are that many; rejects after `timeoutMs`.
 * @param waiters the server's set of callbacks to call after each item it records.
 * @param what names the server and the items in the timeout's message.
 */
export function waitForCount<T>(
  items: T[],
  count: number,
  waiters: Set<() => void>,
  timeoutMs: number,
  what: string,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (items.length < count) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(items.slice(0, count));
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${what}: ${items.length} of ${count} after ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}
