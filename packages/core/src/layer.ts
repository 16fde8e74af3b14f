import type { DType, Tensor, TensorData } from '@strata/backend';
import { type AddWeightOptions, createWeight, resolveWeightOptions } from './add-weight.js';
import { type CallContext, INFERENCE } from './call-context.js';
import { calls } from './call-records.js';
import { CallReturnedNothingError, LayerNotBuiltError, MaskNotSupportedError } from './errors.js';
import type { ApplyOptions, LayerArgs, LayerConfig, SymbolicShape } from './layer-args.js';
import { type Mask, maskOf } from './layer-node.js';
import { cloneLayer, setLayerWeights } from './layer-weights.js';
import { classNameOf } from './naming.js';
import { LayerTracking } from './layer-tracking.js';
import { serializeRegularizer, toRegularizer } from './regularizers.js';
import { hashString, Rng } from './rng.js';
import { isSymbolicInput, symbolicCall, type SymbolicTensor } from './symbolic-tensor.js';
import type { Regularizer, Variable } from './variable.js';

export { type AddWeightOptions } from './add-weight.js';
export { type CallContext, INFERENCE, trainingContext } from './call-context.js';

export type { ApplyOptions, LayerArgs, LayerConfig, SymbolicShape } from './layer-args.js';

/**
 * The base class of every layer (seed 004, `tf.layers.Layer`).
 *
 * Lifecycle: construct with hyper-parameters → {@link Layer.apply} on the first
 * input calls {@link Layer.build} with the input shape (weights are created
 * there with {@link Layer.addWeight}) → {@link Layer.call} computes the output.
 * Each `apply` records a {@link LayerNode} (see {@link LayerConnectivity}).
 *
 * Names, scope paths, sub-layers and variables, tracked from properties as
 * in Keras 3 / PyTorch: see {@link LayerTracking}. Losses and updates: see
 * {@link LayerLosses}. Nodes: see {@link LayerConnectivity}.
 *
 * Training mode: {@link Layer.apply} without a context inherits the context of
 * the layer call it runs in (Keras' call-context rule), so a sub-layer called
 * inside a training step trains; only a call outside any layer call defaults
 * to inference.
 */
export abstract class Layer extends LayerTracking<Layer> {
  /** Registry name of the class for `getConfig`/`fromConfig`; subclasses set it. */
  static readonly className: string = 'Layer';

  trainable: boolean;
  /** Explicit seed, if any (see {@link LayerArgs.seed}). */
  readonly seed: number | undefined;
  /** Penalty on the output added as a conditional loss on each call (seed `activity_regularizer`). */
  readonly activityRegularizer: Regularizer | undefined;
  /** Whether the layer accepts an input mask (and by default passes it on); false: a mask throws MaskNotSupportedError. */
  readonly supportsMasking: boolean = false;
  /** True once {@link Layer.build} ran. */
  built = false;
  /** The input shape the layer was built for (batch axis `null`). */
  builtInputShape: SymbolicShape | SymbolicShape[] | undefined;
  private readonly explicitDtype: DType | undefined;
  private inferredDtype: DType | undefined;

  constructor(args: LayerArgs = {}) {
    super(args.name);
    this.trainable = args.trainable ?? true;
    this.explicitDtype = args.dtype ?? undefined;
    this.seed = args.seed;
    this.activityRegularizer = args.activityRegularizer ? toRegularizer(args.activityRegularizer, `Layer '${args.name ?? 'unnamed'}'`) : undefined;
    this.firstOwnKey = Object.keys(this).length;
  }

  /** The explicit dtype, else (once called) the first input's floating dtype or float32, else `null` (seed `dtype`). */
  get dtype(): DType | null {
    return this.explicitDtype ?? this.inferredDtype ?? null;
  }

  /** False if this layer or any ancestor is frozen. */
  get effectiveTrainable(): boolean {
    return this.trainable && (this.parent?.effectiveTrainable ?? true);
  }

  /**
   * Creates the layer's weights for inputs of `inputShape` (batch axis `null`).
   * Subclasses override it and call {@link Layer.addWeight}; the base marks the layer built.
   */
  build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.builtInputShape = inputShape;
    this.built = true;
  }

  /**
   * The forward computation. `inputs` is one tensor or a list (multi-input
   * layers); `mask` is the input mask when there is one (layers with
   * {@link Layer.supportsMasking} may use it). Must return a tensor.
   */
  abstract call(inputs: Tensor | Tensor[], ctx: CallContext, mask?: Mask | Mask[]): Tensor;

  /** The output shape for an input shape, without computing anything. Default: unchanged. */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[])[0]! : (inputShape as SymbolicShape);
  }

  /**
   * The output's mask (seed `compute_mask`): by default the (first) input
   * mask for a layer that {@link Layer.supportsMasking}, else `null`.
   * @throws MaskNotSupportedError if a mask is given to a layer without masking support.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | null): Mask {
    const masks = Array.isArray(mask) ? mask : [mask];
    if (!masks.some((m) => m)) return null;
    if (!this.supportsMasking) throw MaskNotSupportedError.forLayer(this.name, classNameOf(this), masks);
    return masks.find((m) => m) ?? null;
  }

  /** Lengths (int32 [batch]) of the output's time axis given the input's; default unchanged. Layers that change the time axis (stride, padding or slicing in time) override it. */
  outputSeqLens(seqLens: Tensor): Tensor {
    return seqLens;
  }

  /**
   * Calls the layer (seed `__call__`/`apply`): builds it from the input shape
   * on the first call, runs {@link Layer.call} with the input mask, adds the
   * activity regularization loss, attaches {@link Layer.computeMask}'s mask
   * to the output and records a {@link LayerNode}.
   *
   * `ctx` (training flag, seeds, update collection): default the context of
   * the layer call this one runs inside (Keras' call-context rule: the flag
   * flows from the outermost call to every nested call), else {@link INFERENCE}.
   * @throws MaskNotSupportedError if an input has a mask and the layer does not support masking.
   * @throws CallReturnedNothingError if `call` returned `undefined` or `null`.
   */
  apply(inputs: Tensor | Tensor[], ctx?: CallContext, options?: ApplyOptions): Tensor;
  /**
   * Called on symbolic tensors (from `input(...)` or earlier such calls), the
   * layer computes nothing: it records the call and returns its symbolic
   * output, a step of a functional graph (Keras' functional API; see `Functional`).
   * @throws SymbolicTensorError if a list mixes symbolic and real tensors.
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor<Layer>;
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | readonly SymbolicTensor[], ctx?: CallContext, options: ApplyOptions = {}): Tensor | SymbolicTensor<Layer> {
    if (isSymbolicInput(inputs, () => this.name)) {
      return symbolicCall<Layer>(this, this.baseName, inputs as SymbolicTensor<Layer> | readonly SymbolicTensor<Layer>[]);
    }
    return this.applyWithLogits(inputs as Tensor | Tensor[], ctx, options).value;
  }

  /**
   * Like {@link Layer.apply}, and also returns the logits when the layer ends
   * in a softmax, so that a cross-entropy loss can use them (numerically
   * stable) instead of the probabilities. Layers override {@link Layer.callWithLogits}.
   */
  applyWithLogits(inputs: Tensor | Tensor[], ctx?: CallContext, options: ApplyOptions = {}): { value: Tensor; logits?: Tensor } {
    const context = ctx ?? calls.context ?? INFERENCE;
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    const given = options.mask !== undefined ? (Array.isArray(options.mask) ? options.mask : [options.mask]) : xs.map(maskOf);
    const inputMasks = xs.map((_, i) => given[i] ?? null);
    const hasMask = inputMasks.some((m) => m);
    if (hasMask && !this.supportsMasking) throw MaskNotSupportedError.forLayer(this.name, classNameOf(this), inputMasks);
    const mask = Array.isArray(inputs) ? inputMasks : inputMasks[0]!;
    this.trackHeld();
    this.startCallRecords(calls.enter(xs, context));
    let out: { value: Tensor; logits?: Tensor };
    try {
      this.ensureBuilt(inputs);
      out = this.callWithLogits(inputs, context, hasMask ? mask : undefined);
    } finally {
      calls.exit();
    }
    if (out?.value == null) {
      throw new CallReturnedNothingError({ layer: this.name, className: classNameOf(this), received: out?.value as null | undefined });
    }
    if (this.activityRegularizer) this.addLoss(this.activityRegularizer.apply(out.value), inputs);
    const outMask = this.computeMask(inputs, hasMask ? mask : null);
    this.recordNode(xs, out.value, inputMasks, outMask, inputs);
    return out;
  }

  /** The computation behind {@link Layer.applyWithLogits}: `call`, without logits by default. */
  protected callWithLogits(inputs: Tensor | Tensor[], ctx: CallContext, mask?: Mask | Mask[]): { value: Tensor; logits?: Tensor } {
    return { value: this.call(inputs, ctx, mask) };
  }

  /**
   * Builds the layer from the shapes of its first inputs (batch axis `null`),
   * once. Without an explicit dtype, the first input's dtype becomes the
   * layer's when it is a floating type; int32/bool inputs (class indices,
   * masks) give float32, as Keras' `Embedding` does.
   */
  protected ensureBuilt(inputs: Tensor | Tensor[]): void {
    const first = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.explicitDtype === undefined && this.inferredDtype === undefined && first) {
      this.inferredDtype = String(first.dtype).startsWith('float') ? (first.dtype as DType) : 'float32';
    }
    if (this.built) return;
    const shapeOf = (t: Tensor): SymbolicShape => [null, ...t.shape.slice(1)];
    this.build(Array.isArray(inputs) ? inputs.map(shapeOf) : shapeOf(inputs));
    this.built = true;
  }

  /**
   * Creates a weight (seed `add_weight`), initialised on the host from a
   * seeded {@link Rng} so that every backend gets the same values. With a
   * `partitioner` the weight is stored as parts and a {@link PartitionedVariable} is returned.
   * @throws VariableSynchronizationError for `synchronization: 'onRead'` with `trainable: true`.
   * @throws LayerArgumentError for an unknown synchronization/aggregation, a bad shape or partitioner result,
   *   or a weight of more than `MAX_WEIGHT_ELEMENTS` (2^28) elements (checked before anything is allocated).
   */
  addWeight(name: string, options: AddWeightOptions): Variable {
    const resolved = resolveWeightOptions(this.name, name, options);
    const dtype = options.dtype ?? this.explicitDtype ?? 'float32';
    const rng = new Rng(this.seed ?? hashString(`${this.scopeName}/${name}`, this.rootSeed()));
    const { weight, variables } = createWeight(this, name, options, dtype, rng, resolved);
    if (options.regularizer) {
      const reg = options.regularizer;
      this.persistentLosses.add(() => reg.apply(weight.value), null);
    }
    this.ownVariables.push(...variables);
    return weight;
  }

  /** Alias of {@link Layer.addWeight} (seed `add_variable`). */
  addVariable(name: string, options: AddWeightOptions): Variable {
    return this.addWeight(name, options);
  }

  /** Seed of the root of the layer tree (a Network's `seed`), used to derive per-variable seeds. */
  protected rootSeed(): number {
    return this.parent ? this.parent.rootSeed() : (this.seed ?? 0);
  }

  /** All weights: own first, then sub-layers', in creation/tracking order (parts of a partitioned weight each). */
  get weights(): Variable[] {
    this.trackHeld();
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
    if (!this.built) throw new LayerNotBuiltError({ layer: this.name, method: 'countParams' });
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
    setLayerWeights(this.name, this.built, this.weights, values);
  }

  /** The constructor arguments as JSON (seed `get_config`). Subclasses add theirs. */
  getConfig(): LayerConfig {
    const reg = this.activityRegularizer ? { activityRegularizer: serializeRegularizer(this.activityRegularizer) } : {};
    return { name: this.name, trainable: this.trainable, dtype: this.dtype, ...reg };
  }

  /**
   * A deep copy (seed `__deepcopy__`): a new layer from {@link Layer.getConfig}
   * with new variables holding the same values, independent of this one; an
   * unbuilt layer gives an unbuilt copy. The copy has no parent and no nodes.
   * @throws LayerArgumentError if the copy's weights differ from this layer's after building it.
   */
  clone(): this {
    return cloneLayer(this) as this;
  }

  /** Releases all weights (own and of sub-layers). */
  dispose(): void {
    for (const v of this.weights) v.dispose();
  }

}

