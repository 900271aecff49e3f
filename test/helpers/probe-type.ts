import { Type } from '@sinclair/typebox';
import { AlgorithmBase } from '../../src/algorithm/base.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../../src/algorithm/contract.js';
import type { AlgorithmTypeDef } from '../../src/algorithm/registry.js';

const ProbeConfSchema = Type.Object(
  {
    Value: Type.Number(),
    Fail: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** What a probe type saw: builds and closes in order, and a gate that holds runs open. */
export interface ProbeLog {
  readonly events: string[];
  /** While set, runs wait for it before answering. */
  gate: Promise<void> | undefined;
  /** Runs stop waiting when their signal aborts, as a well-behaved algorithm does. */
  observeAbort?: boolean;
  /** While set, builds wait for it (after logging that they started). */
  buildGate?: Promise<void> | undefined;
}

class ProbeAlgorithm extends AlgorithmBase<'score'> {
  readonly #value: number;
  readonly #log: ProbeLog;
  readonly #id: string;

  constructor(name: string, value: number, log: ProbeLog, id: string) {
    super(name, 'PROBE', 'score');
    this.#value = value;
    this.#log = log;
    this.#id = id;
  }

  protected async execute(input: ScoreInput, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    if (this.#log.gate) {
      const aborted = new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
      aborted.catch(() => undefined);
      await (this.#log.observeAbort ? Promise.race([this.#log.gate, aborted]) : this.#log.gate);
    }
    if (this.closed) throw new Error(`${this.#id} ran after close`);
    this.#log.events.push(`run ${this.#id} ${input.items.length}`);
    return input.items.map(() => ({ score: this.#value }));
  }

  protected override onClose(): Promise<void> {
    this.#log.events.push(`close ${this.#id}`);
    return Promise.resolve();
  }
}

/** A score type for tests: every item scores `Value`; `Fail: true` makes the build throw. */
export function probeType(log: ProbeLog): AlgorithmTypeDef<'score', typeof ProbeConfSchema> {
  let builds = 0;
  return {
    type: 'PROBE',
    kind: 'score',
    confKey: 'ProbeConf',
    schema: ProbeConfSchema,
    create: (name, conf) => {
      if (conf.Fail) return Promise.reject(new Error(`probe ${name} refused to build`));
      const id = `${name}#${++builds}`;
      log.events.push(`build ${id}`);
      const built = new ProbeAlgorithm(name, conf.Value, log, id);
      return log.buildGate ? log.buildGate.then(() => built) : Promise.resolve(built);
    },
  };
}
