/**
 * Reloads that run one at a time, as `pairec serve` runs config reloads: each reads its
 * files when it starts, so an older read is never swapped in after a newer one, and
 * triggers that arrive while one is waiting to start join it (a burst of SIGHUPs during a
 * reload costs one more reload, not one per signal). `after`: the initial load, which a
 * reload waits for.
 */
export function serialReloads<R>(run: (trigger: string) => Promise<R>, after: Promise<unknown>): (trigger: string) => Promise<R> {
  let chain: Promise<unknown> = after.catch(() => undefined);
  let waiting: Promise<R> | undefined;
  return (trigger) => {
    if (waiting) return waiting;
    const next = chain.then(() => {
      waiting = undefined;
      return run(trigger);
    });
    waiting = next;
    chain = next.catch(() => undefined);
    return next;
  };
}
