import { PairecError } from '../errors.js';
import type { Algorithm, AlgorithmKind, AnyAlgorithm } from './contract.js';

/** One built instance, shared by every set that keeps it; closed when the last one drains. */
export interface AlgorithmEntry {
  readonly name: string;
  readonly signature: string;
  /** The instance wrapped in its middlewares: what callers run. */
  readonly algorithm: AnyAlgorithm;
  readonly custom: boolean;
  owners: number;
}

/**
 * An immutable name → algorithm map: what one config generation serves. Requests lease
 * the set they start with; when a newer set replaces it, instances it alone held are
 * closed once its last lease is released, so in-flight runs always finish.
 */
export class AlgorithmSet {
  readonly #entries: ReadonlyMap<string, AlgorithmEntry>;
  #leases = 0;
  #retired = false;
  #drainedOnce = false;
  #drained: Promise<void> | undefined;
  #resolveDrained: (() => void) | undefined;
  readonly #onCloseError: (name: string, err: unknown) => void;

  constructor(entries: readonly AlgorithmEntry[], onCloseError: (name: string, err: unknown) => void) {
    this.#entries = new Map(entries.map((e) => [e.name, e]));
    for (const e of entries) e.owners++;
    this.#onCloseError = onCloseError;
  }

  /** The algorithm of that name and kind; a typed error when there is none. */
  get<K extends AlgorithmKind>(name: string, kind: K): Algorithm<K> {
    const entry = this.#entries.get(name);
    if (!entry) throw new PairecError('ERR_UNKNOWN_ALGORITHM', `no algorithm named "${name}"`);
    if (entry.algorithm.kind !== kind) {
      throw new PairecError('ERR_ALGORITHM_KIND', `algorithm "${name}" is a ${entry.algorithm.kind} algorithm, not ${kind}`);
    }
    return entry.algorithm as unknown as Algorithm<K>;
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  entry(name: string): AlgorithmEntry | undefined {
    return this.#entries.get(name);
  }

  entries(): readonly AlgorithmEntry[] {
    return [...this.#entries.values()];
  }

  get leases(): number {
    return this.#leases;
  }

  /**
   * Holds the set (and every instance in it) open until the returned release is called.
   * A retired set can no longer be leased: its instances may already be closing.
   */
  acquire(): () => void {
    if (this.#retired) throw new PairecError('ERR_NOT_READY', 'this algorithm set has been replaced');
    this.#leases++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#leases--;
      if (this.#retired && this.#leases === 0) this.#drain();
    };
  }

  /** Marks the set replaced; resolves once its leases are gone and its own instances closed. */
  retire(): Promise<void> {
    if (!this.#retired) {
      this.#retired = true;
      this.#drained = new Promise((resolve) => (this.#resolveDrained = resolve));
      if (this.#leases === 0) this.#drain();
    }
    return this.#drained ?? Promise.resolve();
  }

  #drain(): void {
    if (this.#drainedOnce) return;
    this.#drainedOnce = true;
    const closing: Promise<void>[] = [];
    for (const e of this.#entries.values()) {
      e.owners--;
      if (e.owners === 0) {
        closing.push(e.algorithm.close().catch((err: unknown) => this.#onCloseError(e.name, err)));
      }
    }
    void Promise.all(closing).then(() => this.#resolveDrained?.());
  }
}
