import { type DType, getBackend, ops, type Tensor, type TensorData } from '@strata/backend';
import { DuplicateNameError, LayerNotBuiltError, WeightMismatchError } from './errors.js';
import type { Initializer } from './initializers/initializer.js';
import { NameScope, toSnakeCase } from './naming.js';
import { hashString, Rng } from './rng.js';
import { type Constraint, type Regularizer, Variable } from './variable.js';

/** A shape whose entries may be unknown (`null`), e.g. `[null, 784]` with an unknown batch size. */
export type SymbolicShape = readonly (number | null)[];

/** Arguments every layer takes (seed 004's `trainable`, `name`, `dtype`). */
export interface LayerArgs {
  /** Unique within the parent; default: the class name in snake_case, made unique (`dense`, `dense_1`). */
  name?: string;
  /** Whether the layer's weights are trained. Default true. */
  trainable?: boolean;
  /** Dtype of the weights. Default float32. */
  dtype?: DType;
  /** Seed for weight initialisation. Default: derived from the root layer's seed and each variable's path. */
  seed?: number;
}

/** Per-call state: the training flag, explicit randomness, and state updates. */
export interface CallContext {
  /** True in training (dropout active, batch norm uses and updates batch statistics). */
  training: boolean;
  /** A fresh seed for a random op (dropout). */
  nextSeed(): number;
  /**
   * Records a state update to apply after the step (seed `add_update`), e.g. batch
   * norm's moving statistics. When absent the update is applied at once.
   */
  addUpdate?(variable: Variable, value: Tensor): void;
}

/** A call context for inference: no dropout, no updates. */
export const INFERENCE: CallContext = { training: false, nextSeed: () => 0 };

/** A call context for training, with seeds from `rng`; updates are collected in `updates`. */
export function trainingContext(rng: Rng, updates: [Variable, Tensor][] = []): CallContext & { updates: [Variable, Tensor][] } {
  return {
    training: true,
    nextSeed: () => rng.nextUint32(),
    addUpdate: (v, t) => void updates.push([v, t]),
    updates,
  };
}

/** Options of {@link Layer.addWeight}: an options object, not seven positional arguments. */
export interface AddWeightOptions {
  shape: number[];
  initializer: Initializer;
  dtype?: DType;
  /** Default true. Non-trainable weights (batch-norm moving statistics) are not in `trainableWeights`. */
  trainable?: boolean;
  regularizer?: Regularizer;
  constraint?: Constraint;
}

/** A JSON description of a layer, enough to recreate it with `fromConfig`. */
export type LayerConfig = Record<string, unknown> & { name: string; trainable: boolean };

/**
 * The base class of every layer (seed 004, `tf.layers.Layer`).
 *
 * Lifecycle: construct with hyper-parameters → {@link Layer.apply} on the first
 * input calls {@link Layer.build} with the input shape (weights are created
 * there with {@link Layer.addWeight}) → {@link Layer.call} computes the output.
 *
 * Naming: a layer without an explicit name gets its class name in snake_case,
 * made unique within its parent when it is tracked (`dense`, `dense_1`; the
 * counters belong to the parent). Weights are named by their scope path plus
 * `:0` (`net/dense/kernel:0`).
 *
 * Sub-layers assigned with {@link Layer.trackLayer} are owned by this layer:
 * their weights appear in this layer's weight lists.
 */
export abstract class Layer {
  /** Registry name of the class for `getConfig`/`fromConfig`; subclasses set it. */
  static readonly className: string = 'Layer';

  trainable: boolean;
  readonly dtype: DType;
  /** Explicit seed, if any (see {@link LayerArgs.seed}). */
  readonly seed: number | undefined;
  /** True once {@link Layer.build} ran. */
  built = false;
  /** The input shape the layer was built for (batch axis `null`). */
  builtInputShape: SymbolicShape | SymbolicShape[] | undefined;
  /** The layer that tracks this one, if any. */
  parent: Layer | null = null;

  private assignedName: string | undefined;
  private readonly explicitName: boolean;
  private readonly ownVariables: Variable[] = [];
  private readonly subLayers: Layer[] = [];
  private readonly scope = new NameScope();
  private readonly lossFns: (() => Tensor)[] = [];

  constructor(args: LayerArgs = {}) {
    this.assignedName = args.name;
    this.explicitName = args.name !== undefined;
    this.trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    this.seed = args.seed;
  }

  /** Default name base: the class name in snake_case (`Dense` → `dense`). */
  get baseName(): string {
    return toSnakeCase((this.constructor as typeof Layer).className ?? this.constructor.name);
  }

  /** The layer's name, unique within its parent. */
  get name(): string {
    return (this.assignedName ??= this.baseName);
  }

  /** The scope path: parent path plus own name, e.g. `net/dense_1`. */
  get scopeName(): string {
    return this.parent ? `${this.parent.scopeName}/${this.name}` : this.name;
  }

  /** False if this layer or any ancestor is frozen. */
  get effectiveTrainable(): boolean {
    return this.trainable && (this.parent?.effectiveTrainable ?? true);
  }

  /** Layers tracked by this one, in tracking order. */
  get layers(): Layer[] {
    return [...this.subLayers];
  }

  /**
   * Makes `layer` a sub-layer: names it uniquely within this layer and
   * includes its weights in this layer's lists. Returns `layer`.
   *
   * A layer already tracked by another parent is *shared* (seeds 000–002):
   * it keeps its first parent and its name, and its weights also appear here.
   *
   * @throws DuplicateNameError if `layer` has an explicit name already used here, naming both layers.
   */
  trackLayer<L extends Layer>(layer: L): L {
    if (this.subLayers.includes(layer)) return layer;
    if (layer.parent) {
      this.subLayers.push(layer);
      return layer;
    }
    if (layer.explicitName) {
      if (this.scope.has(layer.name)) {
        const other = this.subLayers.find((l) => l.name === layer.name);
        throw new DuplicateNameError(
          `Cannot track layer '${layer.name}' (${(layer.constructor as typeof Layer).className}) in '${this.scopeName}': ` +
            `the name is already used by ${other ? `'${other.scopeName}' (${(other.constructor as typeof Layer).className})` : 'another layer'}. ` +
            `Give one of them another name, or omit the name to get a unique default.`,
        );
      }
      this.scope.reserve(layer.name);
    } else {
      layer.assignedName = this.scope.unique(layer.baseName);
    }
    layer.parent = this;
    this.subLayers.push(layer);
    return layer;
  }

  /**
   * Creates the layer's weights for inputs of `inputShape` (batch axis `null`).
   * Subclasses override it and call {@link Layer.addWeight}; the base marks the layer built.
   */
  build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.builtInputShape = inputShape;
    this.built = true;
  }

  /** The forward computation. `inputs` is one tensor or a list (multi-input layers). */
  abstract call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor;

  /** The output shape for an input shape, without computing anything. Default: unchanged. */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
  }

  /** Lengths (int32 [batch]) of the output's time axis given the input's; default unchanged. Layers that change the time axis (stride, padding or slicing in time) override it. */
  outputSeqLens(seqLens: Tensor): Tensor { return seqLens; }

  /**
   * Calls the layer (seed `__call__`/`apply`): builds it from the input shape on
   * the first call, then runs {@link Layer.call}.
   */
  apply(inputs: Tensor | Tensor[], ctx: CallContext = INFERENCE): Tensor {
    this.ensureBuilt(inputs);
    return this.call(inputs, ctx);
  }

  /**
   * Like {@link Layer.apply}, and also returns the logits when the layer ends
   * in a softmax, so that a cross-entropy loss can use them (numerically
   * stable) instead of the probabilities. Default: no logits.
   */
  applyWithLogits(inputs: Tensor | Tensor[], ctx: CallContext = INFERENCE): { value: Tensor; logits?: Tensor } {
    return { value: this.apply(inputs, ctx) };
  }

  /** Builds the layer from the shapes of its first inputs (batch axis `null`), once. */
  protected ensureBuilt(inputs: Tensor | Tensor[]): void {
    if (this.built) return;
    const shapeOf = (t: Tensor): SymbolicShape => [null, ...t.shape.slice(1)];
    this.build(Array.isArray(inputs) ? inputs.map(shapeOf) : shapeOf(inputs));
    this.built = true;
  }

  /**
   * Creates a weight (seed `add_weight`/`add_variable`), initialised on the
   * host from a seeded {@link Rng} so that every backend gets the same values.
   */
  addWeight(name: string, options: AddWeightOptions): Variable {
    const trainable = options.trainable ?? true;
    const dtype = options.dtype ?? this.dtype;
    const variable = new Variable(this, name, null as unknown as Tensor, trainable, options.constraint, options.regularizer);
    const rng = new Rng(this.seed ?? hashString(variable.path, this.rootSeed()));
    const values = options.initializer.generate(options.shape, rng);
    const init = ops.tensor(dtype === 'float32' ? values : Int32Array.from(values), options.shape, dtype);
    variable.value = getBackend().variable(init, trainable);
    getBackend().dispose(init);
    if (options.regularizer) {
      const reg = options.regularizer;
      this.lossFns.push(() => reg.apply(variable.value));
    }
    this.ownVariables.push(variable);
    return variable;
  }

  /** Seed of the root of the layer tree (a Network's `seed`), used to derive per-variable seeds. */
  protected rootSeed(): number {
    return this.parent ? this.parent.rootSeed() : (this.seed ?? 0);
  }

  /** Adds a loss (seed `add_loss`): a function evaluated when the objective is computed, e.g. a penalty. */
  addLoss(loss: () => Tensor): void {
    this.lossFns.push(loss);
  }

  /** Current values of the added losses (regularizers included), own and of sub-layers. */
  get losses(): Tensor[] {
    return [...this.lossFns.map((f) => f()), ...this.subLayers.flatMap((l) => l.losses)];
  }

  /** All weights: own first, then sub-layers', in creation/tracking order. */
  get weights(): Variable[] {
    // A shared layer can be reached twice; list each variable once.
    return [...new Set([...this.ownVariables, ...this.subLayers.flatMap((l) => l.weights)])];
  }
  /** Weights updated by the optimizer. */
  get trainableWeights(): Variable[] {
    return this.weights.filter((v) => v.trainable);
  }
  /** Weights not updated by the optimizer (moving statistics, frozen layers). */
  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((v) => !v.trainable);
  }
  /** Alias of {@link Layer.weights} (seed: `variables`). */
  get variables(): Variable[] {
    return this.weights;
  }
  /** Alias of {@link Layer.trainableWeights} (seed: `trainable_variables`). */
  get trainableVariables(): Variable[] {
    return this.trainableWeights;
  }
  /** Alias of {@link Layer.nonTrainableWeights} (seed: `non_trainable_variables`). */
  get nonTrainableVariables(): Variable[] {
    return this.nonTrainableWeights;
  }

  /**
   * Total number of scalars in all weights.
   * @throws LayerNotBuiltError before the layer is built.
   */
  countParams(): number {
    if (!this.built) throw new LayerNotBuiltError(this.name, 'countParams');
    return this.weights.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Copies of all weight values, in {@link Layer.weights} order. */
  getWeights(): TensorData[] {
    return this.weights.map((v) => v.readSync().slice());
  }

  /**
   * Sets all weights from values in {@link Layer.weights} order.
   * @throws WeightMismatchError if the count or any size differs; nothing is changed then.
   */
  setWeights(values: (TensorData | number[])[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new WeightMismatchError(
        `Layer '${this.name}' has ${ws.length} weights (${ws.map((w) => w.name).join(', ')}), but setWeights received ${values.length} arrays.`,
      );
    }
    ws.forEach((w, i) => {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (values[i]!.length !== n) {
        throw new WeightMismatchError(
          `Weight '${w.name}' has shape [${w.shape.join(', ')}] (${n} values), but setWeights received ${values[i]!.length} values at index ${i}.`,
        );
      }
    });
    ws.forEach((w, i) => {
      const src = values[i]!;
      const data = w.dtype === 'float32' ? Float32Array.from(src) : Int32Array.from(src);
      const t = ops.tensor(data, w.shape, w.dtype);
      w.assign(t);
      getBackend().dispose(t);
    });
  }

  /** The constructor arguments as JSON (seed `get_config`). Subclasses add theirs. */
  getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, dtype: this.dtype };
  }

  /** Releases all weights (own and of sub-layers). */
  dispose(): void {
    for (const v of this.weights) v.dispose();
  }
}
