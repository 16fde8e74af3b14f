import type { DType } from '@strata/backend';
import { SymbolicTensorError } from './errors.js';
import type { SymbolicShape } from './layer-args.js';

/**
 * One call of a layer on symbolic tensors: what a {@link SymbolicTensor} was
 * computed by (Keras' `Node` of a functional graph). `L` is the layer type
 * (`Layer`; generic here so that this file does not import the Layer class).
 */
export class SymbolicNode<L = object> {
  constructor(
    /** The layer called. */
    readonly layer: L,
    /** Its inputs, in call order. */
    readonly inputs: readonly SymbolicTensor<L>[],
    /** Whether the layer was called on a list (`apply([a, b])`), even of one tensor, rather than on one tensor. */
    readonly list: boolean,
  ) {}
}

const usedNames = new Map<string, number>();
/** `base`, then `base_1`, `base_2`, ... (Keras' unique names of inputs). */
function uniqueName(base: string): string {
  const n = usedNames.get(base) ?? 0;
  usedNames.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/**
 * A placeholder for a tensor in a functional graph (Keras' `KerasTensor`,
 * tfjs-layers' `SymbolicTensor`): {@link input} makes one, calling a layer on
 * symbolic tensors (`layer.apply(x)`) makes the next one and records the call
 * ({@link SymbolicNode}); nothing is computed. A `Functional` network is then
 * built from inputs and outputs and computes eagerly when called. Layers are
 * built (weights created) at the graph's first real call, from the real
 * shapes, as a subclassed `Network`'s are.
 */
export class SymbolicTensor<L = object> {
  /** Unique among the symbolic tensors of this process (`input`, `input_1`; `dense` for the output of layer `dense`), for messages. */
  readonly name: string;

  constructor(
    /** The call that computes it; `undefined` for a graph input. */
    readonly node: SymbolicNode<L> | undefined,
    /** An input's shape, batch axis first (`null` = any size); `undefined` for a computed tensor (known when the graph runs). */
    readonly shape: SymbolicShape | undefined,
    /** An input's dtype; `undefined` for a computed tensor. */
    readonly dtype: DType | undefined,
    name: string,
  ) {
    this.name = uniqueName(name);
  }

  /** Whether this is a graph input (made by {@link input}). */
  get isInput(): boolean {
    return this.node === undefined;
  }
}

/** Options of {@link input} (Keras `Input`). */
export interface InputOptions {
  /** The shape of one example, without the batch axis (`[784]`; `[null, 40]` for sequences of 40 features). Entries: positive integers or `null` (any size). */
  shape: readonly (number | null)[];
  /** A fixed batch size. Default `null` (any). */
  batchSize?: number | null;
  /** Default `float32`; `int32` for class indices. */
  dtype?: DType;
  /** Default `input` (made unique: `input_1`, ...). */
  name?: string;
}

/**
 * A graph input (Keras `keras.Input(shape=...)`, tfjs-layers `tf.input`):
 * the start of a functional graph.
 *
 * ```ts
 * const x = input({ shape: [784] });
 * const h = new Linear({ units: 128, activation: 'relu' }).apply(x);
 * const net = new Functional({ inputs: x, outputs: new Linear({ units: 10 }).apply(h) });
 * ```
 * @throws SymbolicTensorError for a shape entry that is not a positive integer or `null`.
 */
export function input(options: InputOptions): SymbolicTensor<never> {
  const { shape, batchSize = null, dtype = 'float32', name = 'input' } = options;
  const bad = [batchSize, ...shape].find((d) => d !== null && !(Number.isInteger(d) && d > 0));
  if (bad !== undefined) {
    throw new SymbolicTensorError(
      `input: shape entries and batchSize must be positive integers or null (any size). Received: shape=${JSON.stringify(shape)}, batchSize=${JSON.stringify(batchSize)}.`,
    );
  }
  return new SymbolicTensor<never>(undefined, [batchSize, ...shape], dtype, name);
}

/** The symbolic output of calling `layer` (named `name`) on symbolic `inputs`: records the call, computes nothing. */
export function symbolicCall<L>(layer: L, name: string, inputs: SymbolicTensor<L> | readonly SymbolicTensor<L>[]): SymbolicTensor<L> {
  const list = Array.isArray(inputs);
  const node = new SymbolicNode<L>(layer, list ? [...(inputs as readonly SymbolicTensor<L>[])] : [inputs as SymbolicTensor<L>], list);
  return new SymbolicTensor<L>(node, undefined, undefined, name);
}

/**
 * Whether `inputs` (one value or a list) are symbolic tensors.
 * @throws SymbolicTensorError if a list mixes symbolic and real tensors.
 */
export function isSymbolicInput(inputs: unknown, layerName: () => string): boolean {
  if (!Array.isArray(inputs)) return inputs instanceof SymbolicTensor;
  const symbolic = inputs.filter((x) => x instanceof SymbolicTensor).length;
  if (symbolic === 0) return false;
  if (symbolic < inputs.length) {
    throw new SymbolicTensorError(
      `Layer '${layerName()}' was called on a list mixing symbolic tensors (from input(...)) and real tensors. ` +
        `In a functional graph every input is symbolic: make the constant an input, or compute it inside a layer.`,
    );
  }
  return true;
}
