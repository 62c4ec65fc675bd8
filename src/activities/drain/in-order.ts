/**
 * Runs `work` over `items`, at most `concurrency` at once, and hands each result to `apply` in the
 * items' order, whatever order the answers come in. Before each start it asks `mayStart`; once that
 * says no, throws, or a `work` fails, or `cancelled()` turns true, nothing more starts, the runs in
 * flight end, and the first failure is thrown.
 */
export async function inOrder<T, R>(
  items: readonly T[],
  options: {
    concurrency: number;
    work: (item: T) => Promise<R>;
    apply: (item: T, result: R) => void;
    mayStart: () => Promise<boolean>;
    cancelled: () => boolean;
    /** Called after each result was applied (progress reports). */
    afterEach?: () => void;
  },
): Promise<void> {
  const { concurrency, work, apply, mayStart, cancelled } = options;
  const results: ({ result: R } | { error: unknown } | undefined)[] = [];
  let started = 0;
  let applied = 0;
  let failure: { error: unknown } | undefined;
  const applyReady = (): void => {
    for (let r = results[applied]; r && applied < items.length; r = results[++applied])
      if ('result' in r) apply(items[applied] as T, r.result);
    options.afterEach?.();
  };
  const runner = async (): Promise<void> => {
    while (started < items.length && !failure && !cancelled()) {
      try {
        if (!(await mayStart())) return;
      } catch (error) {
        failure ??= { error };
        return;
      }
      // Another runner may have taken the last item, failed, or seen a cancellation meanwhile.
      if (started >= items.length || failure || cancelled()) return;
      const index = started++;
      try {
        results[index] = { result: await work(items[index] as T) };
      } catch (error) {
        results[index] = { error };
        failure ??= { error };
      }
      applyReady();
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, runner));
  // Results after a gap (a failed or never-started item) were not applied yet: apply what did happen.
  results.forEach((r, index) => {
    if (index >= applied && r && 'result' in r) apply(items[index] as T, r.result);
  });
  if (failure) throw failure.error;
}
