import { getBackend, type DType, type Tensor, type TensorData } from '@strata/backend';

/** Scales or clips a weight after each optimizer update (Keras' constraints). */
export interface Constraint {
  readonly className: string;
  /** Returns the constrained value (a new tensor). */
  apply(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** A penalty on a weight added to the objective (Keras' regularizers, RETURNN's L2). */
export interface Regularizer {
  readonly className: string;
  /** A float32 scalar. */
  apply(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** Something that owns variables and has a scope path (a Layer). */
export interface VariableOwner {
  /** Scope path, e.g. `net/dense`. */
  readonly scopeName: string;
  /** False if this owner or any ancestor is frozen. */
  readonly effectiveTrainable: boolean;
}

/**
 * A named weight of a layer: a backend variable plus its name, trainability,
 * constraint and regularizer (seed 004's `add_weight` result).
 *
 * Its name is computed from its owner's scope path, so a layer that is built
 * before or after being tracked by a Network gets the seed's names:
 * `net/dense/kernel:0`.
 */
export class Variable {
  /** The backend handle (a tfjs `tf.Variable`; a graph input on graph backends). */
  value: Tensor;

  constructor(
    readonly owner: VariableOwner | null,
    /** Name within the owner, e.g. `kernel`. */
    readonly localName: string,
    value: Tensor,
    private readonly ownTrainable: boolean,
    readonly constraint?: Constraint,
    readonly regularizer?: Regularizer,
  ) {
    this.value = value;
  }

  /** The seed's variable name: scope path plus `:0`, e.g. `net/dense/kernel:0`. */
  get name(): string {
    return `${this.path}:0`;
  }
  /** The checkpoint key: the scope path without `:0`, e.g. `net/dense/kernel`. */
  get path(): string {
    return this.owner ? `${this.owner.scopeName}/${this.localName}` : this.localName;
  }
  /** Trainable if created trainable and no owner up the tree is frozen. */
  get trainable(): boolean {
    return this.ownTrainable && (this.owner?.effectiveTrainable ?? true);
  }
  get shape(): number[] {
    return this.value.shape;
  }
  get dtype(): DType {
    return this.value.dtype as DType;
  }
  /** Replaces the value (same shape); the caller keeps ownership of `t`. */
  assign(t: Tensor): void {
    getBackend().assign(this.value, t);
  }
  /** The current values, row-major. */
  read(): Promise<TensorData> {
    return getBackend().read(this.value);
  }
  readSync(): TensorData {
    return getBackend().readSync(this.value);
  }
  /** Releases the backend variable. */
  dispose(): void {
    getBackend().dispose(this.value);
  }
}
