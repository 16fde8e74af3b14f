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

/**
 * Seed `tf.VariableSynchronization`: when a variable of a distributed
 * (multi-replica) computation is synchronized. Strata trains one replica per
 * process, so the value is recorded on the {@link Variable} and changes no
 * computation; `'onRead'` variables (e.g. metric accumulators) must not be
 * trainable, as in the seed.
 */
export type VariableSynchronization = 'auto' | 'none' | 'onWrite' | 'onRead';
/** The accepted {@link VariableSynchronization} values. */
export const VARIABLE_SYNCHRONIZATIONS: readonly VariableSynchronization[] = ['auto', 'none', 'onWrite', 'onRead'];

/**
 * Seed `tf.VariableAggregation`: how the updates of several replicas are
 * combined. Recorded on the {@link Variable}; with one replica it changes nothing.
 */
export type VariableAggregation = 'none' | 'sum' | 'mean' | 'onlyFirstReplica';
/** The accepted {@link VariableAggregation} values. */
export const VARIABLE_AGGREGATIONS: readonly VariableAggregation[] = ['none', 'sum', 'mean', 'onlyFirstReplica'];

/** Something that owns variables and has a scope path (a Layer). */
export interface VariableOwner {
  /** Scope path, e.g. `net/dense`. */
  readonly scopeName: string;
  /** False if this owner or any ancestor is frozen. */
  readonly effectiveTrainable: boolean;
}

/** Options of {@link Variable} (seed 004's `add_weight` arguments that a variable keeps). */
export interface VariableOptions {
  /** Name within the owner, e.g. `kernel` (seed `name`). */
  name: string;
  /** The backend variable holding the value (`getBackend().variable(t, trainable)`), of the variable's shape and dtype. */
  value: Tensor;
  /**
   * The layer whose scope prefixes the name (`net/dense` gives `net/dense/kernel:0`). Default `null`: a free
   * variable, named by `name` alone until a layer adopts it (assigning it to a layer's property does).
   */
  owner?: VariableOwner | null;
  /** Whether the optimizer updates it (seed `trainable`). Default true. */
  trainable?: boolean;
  /** Applied after each optimizer update (Keras' `constraint`). */
  constraint?: Constraint;
  /** A penalty on the value added to the objective (seed `regularizer`). */
  regularizer?: Regularizer;
  /** See {@link VariableSynchronization}. Default `'auto'`. */
  synchronization?: VariableSynchronization;
  /** See {@link VariableAggregation}. Default `'none'`. */
  aggregation?: VariableAggregation;
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
  private handle: Tensor;
  private ownerRef: VariableOwner | null;
  /** Name within the owner, e.g. `kernel`. */
  readonly localName: string;
  /** Applied after each optimizer update, if any. */
  readonly constraint: Constraint | undefined;
  /** Penalty on the value added to the objective, if any. */
  readonly regularizer: Regularizer | undefined;
  /** When a distributed variable is synchronized (seed `add_weight(synchronization=)`); recorded, see {@link VariableSynchronization}. */
  readonly synchronization: VariableSynchronization;
  /** How replicas' updates are combined (seed `add_weight(aggregation=)`); recorded, see {@link VariableAggregation}. */
  readonly aggregation: VariableAggregation;
  private readonly ownTrainable: boolean;

  constructor(options: VariableOptions) {
    this.handle = options.value;
    this.localName = options.name;
    this.ownerRef = options.owner ?? null;
    this.ownTrainable = options.trainable ?? true;
    this.constraint = options.constraint;
    this.regularizer = options.regularizer;
    this.synchronization = options.synchronization ?? 'auto';
    this.aggregation = options.aggregation ?? 'none';
  }

  /** The layer whose scope prefixes the name, or `null` for a free variable. */
  get owner(): VariableOwner | null {
    return this.ownerRef;
  }

  /**
   * Gives a free variable its owner (a layer it was assigned to); a variable
   * that has an owner keeps it (it is shared, and keeps its first owner's name, as layers do).
   * Returns whether the owner was set.
   */
  adopt(owner: VariableOwner): boolean {
    if (this.ownerRef) return false;
    this.ownerRef = owner;
    return true;
  }

  /** The backend handle (a tfjs `tf.Variable`; a graph input on graph backends). */
  get value(): Tensor {
    return this.handle;
  }
  set value(t: Tensor) {
    this.handle = t;
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
