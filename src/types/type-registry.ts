import { PairecError } from '../errors.js';

/** A registrable type: its name is its key (PaiRec's type names: "ANN", "UserCustomRecall", ...). */
export interface NamedType {
  readonly type: string;
}

/** What the config layer reads of a registry: lookups by type name, no registration. */
export interface TypeLookup<D extends NamedType> {
  get(type: string): D | undefined;
  has(type: string): boolean;
  types(): readonly D[];
}

/**
 * The one registry shape of every extensible type — algorithm, recall, filter and sort
 * types. Registration happens at start-up or between reloads; lookups are map reads.
 */
export class TypeRegistry<D extends NamedType> implements TypeLookup<D> {
  readonly #types = new Map<string, D>();

  /** `kind` names the registry in errors ("algorithm type", "filter type"). */
  constructor(
    readonly kind: string,
    defs: Iterable<D> = [],
  ) {
    for (const d of defs) this.register(d);
  }

  register(def: D): void {
    if (this.#types.has(def.type)) {
      throw new PairecError('ERR_DUPLICATE_REGISTRATION', `${this.kind} "${def.type}" is already registered`);
    }
    this.#types.set(def.type, def);
  }

  get(type: string): D | undefined {
    return this.#types.get(type);
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  types(): readonly D[] {
    return [...this.#types.values()];
  }
}
