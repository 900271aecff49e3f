import assert from 'node:assert/strict';
import type { LoggedProcess } from './process.js';

/** The next log line with this message, after those seen so far. */
export function nextLine(proc: LoggedProcess, msg: string): Promise<Record<string, unknown>> {
  const from = proc.lines.length;
  return proc.waitFor((l) => l.msg === msg && proc.lines.indexOf(l) >= from, 60_000);
}

/** A client load that keeps its answers and can wait until it has so many. */
export interface ContinuousLoad {
  readonly answers: readonly unknown[];
  until(count: number): Promise<void>;
}

/**
 * For each refusal: damage the file, send SIGHUP, expect the failure line with the reason,
 * then let the load get `answersAfter` more answers from the one still served.
 */
export async function expectRefusedReloads(
  proc: LoggedProcess,
  load: ContinuousLoad,
  failureLine: string,
  refusals: readonly (readonly [string, () => void, RegExp])[],
  answersAfter: number,
): Promise<void> {
  for (const [what, act, reason] of refusals) {
    act();
    const failed = nextLine(proc, failureLine);
    proc.proc.kill('SIGHUP');
    const err = (await failed).err as { message?: string } | undefined;
    assert.match(err?.message ?? '', reason, what);
    await load.until(load.answers.length + answersAfter);
  }
}

/**
 * `loops` clients calling back to back until stopped; each answer kept, each failure kept as
 * its message. `call` gets the client's number and its running count (starting at the number).
 */
export function continuously<A>(loops: number, call: (loop: number, i: number) => Promise<A>) {
  const answers: A[] = [];
  const errors: string[] = [];
  let running = true;
  const loop = async (id: number): Promise<void> => {
    for (let i = id; running; i++) {
      try {
        answers.push(await call(id, i));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  const done = Promise.all(Array.from({ length: loops }, (_, id) => loop(id)));
  const until = async (count: number): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (answers.length + errors.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  return {
    answers,
    errors,
    until,
    stop: async (): Promise<void> => {
      running = false;
      await done;
    },
  };
}
