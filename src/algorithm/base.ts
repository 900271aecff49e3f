import { PairecError } from '../errors.js';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext } from './contract.js';

/**
 * Lifecycle every built-in algorithm inherits: a run after close or with an aborted
 * signal rejects with a typed error before any work; close is idempotent.
 */
export abstract class AlgorithmBase<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  #closing: Promise<void> | undefined;

  protected constructor(name: string, type: string, kind: K) {
    this.name = name;
    this.type = type;
    this.kind = kind;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    if (this.#closing) {
      return Promise.reject(new PairecError('ERR_ALGORITHM_CLOSED', `algorithm "${this.name}" is closed`));
    }
    if (ctx.signal.aborted) {
      return Promise.reject(new PairecError('ERR_ABORTED', `run of "${this.name}" aborted before it started`));
    }
    return this.execute(input, ctx);
  }

  close(): Promise<void> {
    this.#closing ??= this.onClose();
    return this.#closing;
  }

  protected abstract execute(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>>;

  /** Releases what the instance holds; called once. */
  protected onClose(): Promise<void> {
    return Promise.resolve();
  }
}
