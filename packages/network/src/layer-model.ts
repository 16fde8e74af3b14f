import { ops } from '@strata/backend';
import { type CallContext, Data, type DataConfig, INFERENCE, type Layer, type Variable } from '@strata/core';
import { getLoss, LossError, LossHolder, objectiveParts } from '@strata/losses';
import { LayerNotFoundError, NetworkArgumentError } from './errors.js';
import { ExternData } from './extern-data.js';
import type { Batch, ComputedLosses, LayerOutput, Model } from './model.js';
import { checkLossTarget } from './net-dict/loss-target.js';

/** The loss of a {@link LayerModel}: a loss name (`'ce'`) or the loss with its target and options. */
export type LayerModelLoss =
  | string
  | {
      /** The loss (RETURNN's names: `ce`, `mse`, `l1`, `ctc`, `edit_distance`). */
      class: string;
      /** The extern-data key it compares the output with. Default: the extern data's default target (`classes`). */
      target?: string;
      /** Factor in the objective (RETURNN `loss_scale`). Default 1. */
      scale?: number;
      /** The loss's own options, camelCase (`labelSmoothing`), as `getLoss` takes them (RETURNN `loss_opts`). */
      options?: Record<string, unknown>;
    };

/** Options of {@link LayerModel}. */
export interface LayerModelOptions {
  /** The model's computation: any Layer, typically a `Network` subclass. Called on the input tensor `[batch, ...]`. */
  layer: Layer;
  /** Inputs and targets, as RETURNN's `extern_data` (or an ExternData). */
  externData: ExternData | Record<string, DataConfig>;
  /** The extern-data key the layer is called on. Default: the extern data's default input (`data`). */
  input?: string;
  /** The loss on the layer's output; without one the model predicts and exports but cannot train. */
  loss?: LayerModelLoss;
}

/** The name of a LayerModel's one output (and of its loss), as a net dict names its output layer. */
const OUTPUT = 'output';

/**
 * Any {@link Layer} as a {@link Model}: the layer is called on one extern-data
 * input (`ctx.training` passed on; nested layers inherit it; for sequence
 * data, the batch's lengths go into the input's time Dim), its output is
 * named `output`, and the loss (if given) compares it with its target, as the
 * `loss`/`target` of a net dict's output layer would (Keras: `compile(loss)`,
 * then `fit`). The layer's own losses (weight and activity penalties) join the
 * objective as constraints. The engine, checkpoints, ONNX export and the CLI
 * take it like a net dict.
 *
 * ```ts
 * const model = new LayerModel({
 *   layer: new TwoLayerNetwork({ name: 'net' }),
 *   externData: { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } },
 *   loss: 'ce',
 * });
 * await new Engine(model, { batchSize: 64, epochs: 3, optimizer: { class: 'adam' } }).train(train, dev);
 * ```
 *
 * The constructor builds the layer (one inference call on zeros of batch 1,
 * dynamic axes of size 1) so that its variables exist before training starts.
 *
 * @throws NetworkArgumentError for an input or target key the extern data lacks.
 * @throws NetDictError if the output cannot pair with the target under the loss (wrong class count or axes).
 * @throws UnknownLossError, LossArgumentError for a bad loss.
 */
export class LayerModel implements Model {
  readonly layer: Layer;
  readonly externData: ExternData;
  /** The extern-data key the layer is called on. */
  readonly input: string;
  private readonly output: Data;
  private readonly lossHolder: LossHolder | undefined;
  private readonly target: string | undefined;

  constructor(options: LayerModelOptions) {
    this.layer = options.layer;
    const ext = options.externData;
    this.externData = ext instanceof ExternData ? ext : ExternData.fromConfig(ext);
    this.input = options.input ?? this.externData.defaultInput;
    const inputData = this.dataOf(this.input, 'input');
    this.output = this.build(inputData);
    const loss = typeof options.loss === 'string' ? { class: options.loss } : options.loss;
    if (loss) {
      this.target = loss.target ?? this.externData.defaultTarget;
      checkLossTarget(OUTPUT, this.output, this.dataOf(this.target, 'loss target'), loss.class);
      let fn;
      try {
        fn = getLoss(loss.class, (loss.options ?? {}) as never);
      } catch (e) {
        if (e instanceof LossError) e.message = `LayerModel '${this.name}': loss ${JSON.stringify(loss.class)}: ${e.message}`;
        throw e;
      }
      this.lossHolder = new LossHolder({ name: OUTPUT, layerName: OUTPUT, loss: fn, scale: loss.scale });
    }
  }

  get name(): string {
    return this.layer.scopeName;
  }
  get variables(): Variable[] {
    return this.layer.variables;
  }
  get trainableVariables(): Variable[] {
    return this.layer.trainableVariables;
  }
  inputKeys(): string[] {
    return [this.input];
  }
  usedDataKeys(): string[] {
    return this.target === undefined || this.target === this.input ? [this.input] : [this.input, this.target];
  }
  outputNames(): string[] {
    return [OUTPUT];
  }
  outputData(name: string): Data {
    if (name !== OUTPUT) throw new LayerNotFoundError(`LayerModel '${this.name}' has one output, 'output'. Received: '${name}'.`);
    return this.output;
  }
  /** `['output']` when a loss is set, in training and in evaluation alike; `[]` otherwise. */
  lossNames(_mode?: 'train' | 'eval'): string[] {
    return this.lossHolder ? [OUTPUT] : [];
  }

  /**
   * Calls the layer on `batch[input]`. The batch's lengths go into the
   * extern data's Dims; a sequence output shares the input's time Dim (its
   * lengths). A layer that supports masking (Keras' `supports_masking`) gets
   * the mask of valid input frames, derived from that Dim (`Dim.getMask`).
   */
  forward(batch: Batch, ctx: CallContext = INFERENCE): Map<string, LayerOutput> {
    const x = batch[this.input];
    if (!x) throw new NetworkArgumentError(`LayerModel '${this.name}': the batch has no '${this.input}'. Given: ${Object.keys(batch).join(', ')}.`);
    this.externData.assignBatch(batch);
    const time = this.externData.getData(this.input).timeDim;
    const mask = this.layer.supportsMasking && time?.dynSize ? time.getMask(x.shape[1]!) : undefined;
    const out: LayerOutput = this.layer.applyWithLogits(x, ctx, mask ? { mask } : {});
    return new Map([[OUTPUT, out]]);
  }

  computeLosses(batch: Batch, ctx: CallContext = INFERENCE): ComputedLosses {
    const outputs = this.forward(batch, ctx);
    const losses = new Map<string, LossHolder>();
    const h = this.lossHolder;
    if (h && this.target !== undefined) {
      const out = outputs.get(OUTPUT)!;
      const target = batch[this.target];
      if (!target) throw new NetworkArgumentError(`LayerModel '${this.name}': the batch has no target '${this.target}'. Given: ${Object.keys(batch).join(', ')}.`);
      const targetLens = this.externData.getData(this.target).timeDim?.dynSize;
      h.compute({ output: out.value, logits: out.logits, seqLens: this.output.timeDim?.dynSize }, target, targetLens);
      losses.set(h.name, h);
    }
    const parts = objectiveParts([...losses.values()], { regularization: this.layer.losses });
    return { outputs, losses, totalLoss: parts.loss, totalConstraints: parts.constraints, objective: parts.total };
  }

  layerOf(name: string): Layer | undefined {
    return name === OUTPUT ? this.layer : undefined;
  }

  private dataOf(key: string, role: string): Data {
    if (!this.externData.hasData(key)) {
      throw new NetworkArgumentError(
        `LayerModel '${this.name}': its ${role} '${key}' is not in extern_data (keys: ${this.externData.keys.join(', ')}). Add it, or pass another key.`,
      );
    }
    return this.externData.getData(key);
  }

  /**
   * Builds the layer with one inference call on zeros `[1, ...]` (dynamic
   * axes of size 1) and returns the output's template: its axes after the
   * batch, the first dynamic when the input has a time axis.
   */
  private build(input: Data): Data {
    const shape = [1, ...input.shape.map((d) => d ?? 1)];
    const outShape = ops.tidy(() => {
      const y = this.layer.apply(ops.zeros(shape, input.dtype === 'int32' ? 'int32' : 'float32'), INFERENCE);
      return [...y.shape];
    });
    for (const l of [this.layer, ...allSubLayers(this.layer)]) l.clearNodes();
    const timed = input.shape[0] === null && outShape.length > 2;
    const out = new Data({ name: OUTPUT, dims: [], dtype: 'float32' }).withShape(OUTPUT, outShape.slice(1).map((d, i) => (timed && i === 0 ? null : d)));
    // A sequence output keeps the input's time axis: one Dim, one set of lengths.
    return timed ? out.copy({ dims: [input.timeDim!, ...out.dims.slice(1)] }) : out;
  }
}

function allSubLayers(layer: Layer): Layer[] {
  return layer.layers.flatMap((l) => [l, ...allSubLayers(l)]);
}
