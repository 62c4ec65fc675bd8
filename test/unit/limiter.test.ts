import { createApiLimiter } from '../../src/activities/kubernetes/limiter';

/** A promise the test settles by hand, standing for an API call in flight. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks (slot hand-overs, awaits) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A manual clock: sleeping records the wait and advances time by it. */
function manualClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

describe('API limiter: concurrency', () => {
  test('the 11th concurrent call waits until one of the first 10 finishes', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 10, qps: 1000, burst: 1000 });
    const calls = Array.from({ length: 11 }, () => deferred<number>());
    const started: number[] = [];
    const results = calls.map((call, i) =>
      limiter.run(() => {
        started.push(i);
        return call.promise;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(limiter.inFlight).toBe(10);
    expect(limiter.queued).toBe(1);

    calls[3]?.resolve(3);
    await settle();
    expect(started).toContain(10);
    expect(limiter.inFlight).toBe(10);
    expect(limiter.queued).toBe(0);

    calls.forEach((call, i) => call.resolve(i));
    await expect(Promise.all(results)).resolves.toEqual(calls.map((_, i) => i));
    expect(limiter.inFlight).toBe(0);
  });

  test('a failed call frees its slot and its error reaches the caller', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 1, qps: 1000 });
    const first = deferred();
    const failing = limiter.run(() => first.promise);
    let secondRan = false;
    const second = limiter.run(() => {
      secondRan = true;
      return Promise.resolve('ok');
    });
    await settle();
    expect(secondRan).toBe(false);
    first.reject(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ok');
    expect(limiter.inFlight).toBe(0);
  });

  test('waiting calls start in arrival order', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 1, qps: 1000 });
    const gate = deferred();
    const order: string[] = [];
    const first = limiter.run(() => gate.promise);
    const rest = ['a', 'b', 'c'].map((name) =>
      limiter.run(() => {
        order.push(name);
        return Promise.resolve();
      }),
    );
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['a', 'b', 'c']);
  });
});

describe('API limiter: rate', () => {
  test('calls within the burst do not wait; beyond it each waits 1/qps for its token', async () => {
    const clock = manualClock();
    const limiter = createApiLimiter({ maxConcurrency: 10, qps: 5, burst: 2, ...clock });
    for (let i = 0; i < 4; i += 1) await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([200, 200]);
  });

  test('tokens refill with time, up to the burst', async () => {
    const clock = manualClock();
    const limiter = createApiLimiter({ maxConcurrency: 10, qps: 10, burst: 3, ...clock });
    for (let i = 0; i < 3; i += 1) await limiter.run(() => Promise.resolve());
    clock.advance(60_000);
    for (let i = 0; i < 3; i += 1) await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([]);
    await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([100]);
  });

  test('concurrent callers reserve successive tokens instead of all waking at once', async () => {
    const clock = manualClock();
    const waits: number[] = [];
    const limiter = createApiLimiter({
      maxConcurrency: 10,
      qps: 4,
      burst: 1,
      now: clock.now,
      // Time does not advance while they wait, so each reservation must queue behind the last.
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all(Array.from({ length: 4 }, () => limiter.run(() => Promise.resolve())));
    expect(waits).toEqual([250, 500, 750]);
  });

  test('rejects a limit that would block every call', () => {
    expect(() => createApiLimiter({ maxConcurrency: 0 })).toThrow(RangeError);
    expect(() => createApiLimiter({ qps: 0 })).toThrow(RangeError);
  });
});
