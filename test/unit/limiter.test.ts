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

describe('API limiter: reconfigured while calls wait', () => {
  /** Starts `count` calls that each hold their slot until the test resolves them. */
  function hold(limiter: ReturnType<typeof createApiLimiter>, count: number) {
    const calls = Array.from({ length: count }, () => deferred<number>());
    const started: number[] = [];
    const results = calls.map((call, i) =>
      limiter.run(() => {
        started.push(i);
        return call.promise;
      }),
    );
    return { calls, started, results };
  }

  test('raising the concurrency starts queued calls at once, oldest first', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 2, qps: 1000, burst: 1000 });
    const { calls, started, results } = hold(limiter, 6);
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(4);

    limiter.reconfigure({ maxConcurrency: 5 });
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.inFlight).toBe(5);
    expect(limiter.queued).toBe(1);

    calls.forEach((call, i) => call.resolve(i));
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.inFlight).toBe(0);
  });

  test('lowering the concurrency lets calls in flight finish and starts no more until below the new limit', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 4, qps: 1000, burst: 1000 });
    const { calls, started, results } = hold(limiter, 7);
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);

    limiter.reconfigure({ maxConcurrency: 2 });
    await settle();
    expect(limiter.inFlight).toBe(4);

    // 4 -> 3 -> 2 in flight: still not below the new limit of 2.
    calls[0]?.resolve(0);
    calls[1]?.resolve(1);
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(3);

    // Each call that ends now makes room for exactly one waiting call.
    calls[2]?.resolve(2);
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.inFlight).toBe(2);

    calls.forEach((call, i) => call.resolve(i));
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  test('a call arriving after the limit was lowered waits behind the calls already queued', async () => {
    const limiter = createApiLimiter({ maxConcurrency: 2, qps: 1000, burst: 1000 });
    const { calls, started } = hold(limiter, 3);
    await settle();
    limiter.reconfigure({ maxConcurrency: 1 });
    calls[0]?.resolve(0);
    await settle();
    // One in flight, which is the new limit: call 2 still waits, and a newcomer queues behind it.
    const order: string[] = [];
    const late = limiter.run(() => {
      order.push('late');
      return Promise.resolve();
    });
    await settle();
    expect(started).toEqual([0, 1]);
    expect(order).toEqual([]);
    calls[1]?.resolve(1);
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(order).toEqual([]);
    calls[2]?.resolve(2);
    await late;
    expect(order).toEqual(['late']);
  });

  test('a new rate applies to the next tokens; burst follows qps unless it was set', async () => {
    const clock = manualClock();
    const limiter = createApiLimiter({ maxConcurrency: 10, qps: 10, ...clock });
    expect(limiter.limits).toEqual({ maxConcurrency: 10, qps: 10, burst: 10 });
    for (let i = 0; i < 10; i += 1) await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([]);

    limiter.reconfigure({ qps: 2 });
    expect(limiter.limits).toEqual({ maxConcurrency: 10, qps: 2, burst: 2 });
    await limiter.run(() => Promise.resolve());
    await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([500, 500]);

    const fixed = createApiLimiter({ qps: 10, burst: 3 });
    fixed.reconfigure({ qps: 50 });
    expect(fixed.limits.burst).toBe(3);
  });

  test('tokens saved up at a high rate are capped by the lower burst', async () => {
    const clock = manualClock();
    const limiter = createApiLimiter({ maxConcurrency: 10, qps: 100, ...clock });
    limiter.reconfigure({ qps: 1 });
    for (let i = 0; i < 2; i += 1) await limiter.run(() => Promise.resolve());
    expect(clock.sleeps).toEqual([1000]);
  });

  test('an invalid reconfiguration is refused and the limits in force stay', () => {
    const limiter = createApiLimiter({ maxConcurrency: 3, qps: 5 });
    expect(() => limiter.reconfigure({ maxConcurrency: 0 })).toThrow(RangeError);
    expect(() => limiter.reconfigure({ qps: -1 })).toThrow(RangeError);
    expect(limiter.limits).toEqual({ maxConcurrency: 3, qps: 5, burst: 5 });
  });
});
