import type { Tensor } from '@strata/backend';
import { NodeIndexError, TensorReleasedError } from './errors.js';

/** A mask (seed `compute_mask`/`input_mask`): a bool or float tensor, usually `[batch, time]`, or `null` for none. */
export type Mask = Tensor | null;

/** What a node needs of a layer (structural, so that this file does not import layer.ts). */
export interface NodeLayer {
  readonly name: string;
}

/** Options of {@link LayerNode}: one call of `outboundLayer`. */
export interface LayerNodeOptions<L extends NodeLayer = NodeLayer> {
  /** The layer that was called (the node goes in its `inboundNodes`). */
  outboundLayer: L;
  /** The call's number for the layer: 0 is the first call. */
  index: number;
  /** For each input, the layer whose output it was (`null` for a tensor that no layer produced). */
  inboundLayers: (L | null)[];
  /** The call's input: one tensor, or a list (then the seed's getters return lists). */
  inputs: Tensor | Tensor[];
  /** The tensor the call returned. */
  output: Tensor;
  /** One mask per input (`null` where an input had none). */
  inputMasks: Mask[];
  /** The mask the layer computed for its output (`computeMask`), or `null`. */
  outputMask: Mask;
}

/**
 * One call of a layer (seed `inbound_nodes`, Keras' `Node`): which layers
 * produced its inputs, and the shapes, dtypes and masks of its inputs and
 * output.
 *
 * What is kept: shapes and dtypes (small arrays) for as long as the node is
 * kept (a layer keeps its last `maxNodes`). The tensors and masks are kept
 * only for the nodes of the current *pass* (see `LayerLosses`): when the
 * layer is next called from outside any layer call, the older nodes
 * {@link LayerNode.release} them, so a training loop holds one step's tensors
 * per layer at most. Reading a released tensor throws
 * {@link TensorReleasedError}. (No `WeakRef`s: V8 keeps every `WeakRef`
 * target alive until the running job ends, which a synchronous training loop
 * never does.)
 */
export class LayerNode<L extends NodeLayer = NodeLayer> {
  /** Shape of each input tensor of the call (concrete, batch included). */
  readonly inputShapes: number[][];
  /** Dtype of each input tensor of the call. */
  readonly inputDtypes: string[];
  /** Shape of the output tensor. */
  readonly outputShape: number[];
  /** Dtype of the output tensor. */
  readonly outputDtype: string;
  /** Whether the call got a list of inputs (then the seed's getters return lists). */
  readonly multipleInputs: boolean;
  /** The layer that was called (the node is in its `inboundNodes`). */
  readonly outboundLayer: L;
  /** The call's number for the layer: 0 is the first call. */
  readonly index: number;
  /** For each input, the layer whose output it was (`null` for a tensor that no layer produced). */
  readonly inboundLayers: (L | null)[];
  private refs: { inputs: Tensor[]; output: Tensor; inputMasks: Mask[]; outputMask: Mask } | null;

  constructor(options: LayerNodeOptions<L>) {
    const { inputs, output, inputMasks, outputMask } = options;
    this.outboundLayer = options.outboundLayer;
    this.index = options.index;
    this.inboundLayers = options.inboundLayers;
    this.multipleInputs = Array.isArray(inputs);
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.inputShapes = xs.map((x) => [...x.shape]);
    this.inputDtypes = xs.map((x) => String(x.dtype));
    this.outputShape = [...output.shape];
    this.outputDtype = String(output.dtype);
    this.refs = { inputs: xs, output, inputMasks, outputMask };
  }

  /** Whether the tensors were released (shapes and dtypes remain). */
  get released(): boolean {
    return this.refs === null;
  }

  /** Drops the references to the tensors and masks (shapes and dtypes remain). */
  release(): void {
    this.refs = null;
  }

  /**
   * The input tensor(s), as passed (one tensor, or a list).
   * @throws TensorReleasedError if the node's tensors were released.
   */
  get inputTensors(): Tensor | Tensor[] {
    const xs = this.kept('input').inputs;
    return this.multipleInputs ? [...xs] : xs[0]!;
  }

  /**
   * The output tensor.
   * @throws TensorReleasedError if the node's tensors were released.
   */
  get outputTensor(): Tensor {
    return this.kept('output').output;
  }

  /** The input mask(s) (`null` where an input had none), one per input or a single one. @throws TensorReleasedError as {@link LayerNode.inputTensors}. */
  get inputMasks(): Mask | Mask[] {
    const ms = this.kept('input mask').inputMasks;
    return this.multipleInputs ? [...ms] : ms[0]!;
  }

  /** The mask the layer computed for its output (`computeMask`), or `null`. @throws TensorReleasedError as {@link LayerNode.inputTensors}. */
  get outputMask(): Mask {
    return this.kept('output mask').outputMask;
  }

  /** Input shape(s) in the seed's form: one shape, or a list for a list of inputs. */
  get inputShape(): number[] | number[][] {
    return this.multipleInputs ? this.inputShapes : this.inputShapes[0]!;
  }

  private kept(what: string): NonNullable<LayerNode['refs']> {
    if (!this.refs) {
      throw new TensorReleasedError(
        `The ${what} tensor of node ${this.index} of layer '${this.outboundLayer.name}' was released: a layer keeps the tensors of its calls ` +
          `in the current pass only (a new pass starts when it is called again from outside any layer call), and the shapes and dtypes of every kept node. ` +
          `Keep a reference to the tensor yourself, make the calls inside one outer call, or use getInputShapeAt/getOutputShapeAt.`,
      );
    }
    return this.refs;
  }
}

/** Options of {@link NodeHistory}. */
export interface NodeHistoryOptions {
  /** How many nodes to keep (at least 1 is kept), read at every push so that it may change (a layer's `maxNodes`). */
  limit: () => number;
}

/**
 * The last {@link NodeHistoryOptions.limit} nodes of a layer. Node indices count all
 * calls ever made (node 0 is the first call, even after it was dropped), so a
 * layer called in a training loop keeps a bounded history.
 */
export class NodeHistory<L extends NodeLayer> {
  private kept: LayerNode<L>[] = [];
  private dropped = 0;
  /** How many of the newest kept nodes were pushed since the last {@link NodeHistory.releaseTensors} (the older ones are released). */
  private live = 0;

  private readonly limit: () => number;

  constructor(options: NodeHistoryOptions) {
    this.limit = options.limit;
  }

  /** Number of nodes ever recorded (the next node's index). */
  get count(): number {
    return this.dropped + this.kept.length;
  }
  /** The kept nodes, oldest first. */
  get nodes(): LayerNode<L>[] {
    return [...this.kept];
  }
  push(node: LayerNode<L>): void {
    this.kept.push(node);
    this.live++;
    const excess = this.kept.length - Math.max(1, this.limit());
    if (excess > 0) {
      for (const n of this.kept.splice(0, excess)) n.release();
      this.dropped += excess;
      this.live = Math.min(this.live, this.kept.length);
    }
  }
  /**
   * The node of call `index`.
   * @throws NodeIndexError if `index` is not an integer in [0, count) or the node was dropped from the history.
   */
  at(index: number, layer: string, method: string): LayerNode<L> {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new NodeIndexError(
        `${method}: layer '${layer}' has ${this.count} inbound node(s) (one per call), so node indices are 0..${this.count - 1}. Received: nodeIndex=${index}.`,
      );
    }
    if (index < this.dropped) {
      throw new NodeIndexError(
        `${method}: node ${index} of layer '${layer}' is no longer kept: a layer keeps its last ${this.kept.length} nodes ` +
          `(Layer.maxNodes, nodes ${this.dropped}..${this.count - 1}). Raise layer.maxNodes before calling it to keep more. Received: nodeIndex=${index}.`,
      );
    }
    return this.kept[index - this.dropped]!;
  }
  /** Releases the tensors of every kept node (shapes remain); only the nodes pushed since the last call can still hold any. */
  releaseTensors(): void {
    for (let i = this.kept.length - this.live; i < this.kept.length; i++) this.kept[i]!.release();
    this.live = 0;
  }
  /** Forgets every node (indices restart at 0). */
  clear(): void {
    this.releaseTensors();
    this.kept = [];
    this.dropped = 0;
    this.live = 0;
  }
}

// Which layer produced a tensor, and the mask attached to it (Keras' `_keras_history`
// and `_keras_mask`). Weak maps: an entry lives only as long as the tensor object.
const producers = new WeakMap<object, NodeLayer>();
const masks = new WeakMap<object, Tensor>();

/** The layer whose call returned `t`, or `null`. */
export function producerOf<L extends NodeLayer>(t: Tensor): L | null {
  return (producers.get(t) as L | undefined) ?? null;
}

/** The mask a layer attached to its output `t` (seed `__call__` note on `mask`), or `null`. */
export function maskOf(t: Tensor): Mask {
  return masks.get(t) ?? null;
}

/** Records that `layer` produced `output` with `mask` (`null`: none). */
export function recordOutput(output: Tensor, layer: NodeLayer, mask: Mask): void {
  producers.set(output, layer);
  if (mask) masks.set(output, mask);
  else masks.delete(output);
}
