/**
 * Time bounds relative to how slow this machine is during the run, not absolute ones: on
 * a loaded 2-core machine a process may not be scheduled for tens of ms whatever it does,
 * so "answered within 150 + 50 ms" flakes. The baseline is the worst lateness of short
 * timers, measured in the same run just before and just after the timed work; a bound is
 * the expected time plus a slack of several baselines. The slack is capped (4 × the
 * expected time) so a deadline that is not enforced at all still fails.
 */
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/** The worst lateness of `samples` timers of 2 ms, in ms: how late this process runs right now. */
export async function schedulingLatenessMs(samples = 8): Promise<number> {
  let worst = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await sleep(2);
    worst = Math.max(worst, performance.now() - t0 - 2);
  }
  return worst;
}

export interface BaselineOptions {
  /** Slack when the machine is quiet, ms. */
  readonly floorMs?: number;
  /** Baselines of slack allowed. */
  readonly factor?: number;
  /** The most slack allowed, ms (default 4 × the expected time): what a broken deadline must exceed. */
  readonly maxSlackMs?: number;
}

/** A baseline measured now; `bound` is measured again after the work, and the worse one counts. */
export class TimingBaseline {
  readonly #before: number;
  readonly #floorMs: number;
  readonly #factor: number;
  readonly #maxSlackMs: number | undefined;

  private constructor(before: number, options: BaselineOptions) {
    this.#before = before;
    this.#floorMs = options.floorMs ?? 50;
    this.#factor = options.factor ?? 4;
    this.#maxSlackMs = options.maxSlackMs;
  }

  static async measure(options: BaselineOptions = {}): Promise<TimingBaseline> {
    return new TimingBaseline(await schedulingLatenessMs(), options);
  }

  /** The upper bound for work expected to take `expectedMs`: expected + slack, with its reason. */
  async bound(expectedMs: number): Promise<{ readonly ms: number; readonly why: string }> {
    const lateness = Math.max(this.#before, await schedulingLatenessMs());
    const slack = Math.min(Math.max(this.#floorMs, this.#factor * lateness), Math.max(this.#floorMs, this.#maxSlackMs ?? 4 * expectedMs));
    return { ms: expectedMs + slack, why: `${expectedMs} ms + ${slack.toFixed(1)} ms slack (timer lateness measured in this run: ${lateness.toFixed(1)} ms)` };
  }

  /** Fails when `ms` exceeds the bound for `expectedMs`. */
  async assertWithin(ms: number, expectedMs: number, what: string): Promise<void> {
    const b = await this.bound(expectedMs);
    if (ms > b.ms) assert.fail(`${what}: ${ms.toFixed(1)} ms > ${b.ms.toFixed(1)} ms = ${b.why}`);
  }
}
