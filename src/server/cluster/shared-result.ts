/**
 * Wraps an expensive producer so that concurrent callers share one run (single flight)
 * and a result is reused for `ttlMs` after it is made. A failure is shared by the callers
 * that waited for it but never reused.
 */
export function sharedResult<T>(produce: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let flight: Promise<T> | undefined;
  let cached: { value: T; at: number } | undefined;
  return () => {
    if (cached && now() - cached.at < ttlMs) return Promise.resolve(cached.value);
    flight ??= produce().then(
      (value) => {
        cached = { value, at: now() };
        flight = undefined;
        return value;
      },
      (err: unknown) => {
        flight = undefined;
        throw err;
      },
    );
    return flight;
  };
}
