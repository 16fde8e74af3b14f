import type { Tensor } from '@strata/backend';
import { NodeIndexError, TensorReleasedError } from './errors.js';

/** A mask (seed `compute_mask`/`input_mask`): a bool or float tensor, usually `[batch, time]`, or `null` for none. */
export type Mask = Tensor | null;

/** What a node needs of a layer (structural, so that this file does not import layer.ts). */
export interface NodeLayer {
  readonly name: string;
}

/**
 * One call of a layer (seed `inbound_nodes`, Keras' `Node`): which layers
 * produced its inputs, and the shapes, dtypes and masks of its inputs and
 * output.
 *
 * What is kept: shapes and dtypes (small arrays) strongly; the input and
 * output tensors and the masks only through `WeakRef`s, so a node never keeps
 * an eager tensor alive. Reading a tensor after the garbage collector took it
 * throws {@link TensorReleasedError}. A tensor that was disposed (e.g. by
 * `tidy`) is returned as the disposed handle: reading its values fails in the
 * backend. Shapes stay readable forever.
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
  private readonly inputRefs: WeakRef<Tensor>[];
  private readonly outputRef: WeakRef<Tensor>;
  private readonly inputMaskRefs: (WeakRef<Tensor> | null)[];
  private readonly outputMaskRef: WeakRef<Tensor> | null;

  constructor(
    /** The layer that was called (the node is in its `inboundNodes`). */
    readonly outboundLayer: L,
    /** The call's number for the layer: 0 is the first call. */
    readonly index: number,
    /** For each input, the layer whose output it was (`null` for a tensor that no layer produced). */
    readonly inboundLayers: (L | null)[],
    inputs: Tensor | Tensor[],
    output: Tensor,
    inputMasks: Mask[],
    outputMask: Mask,
  ) {
    this.multipleInputs = Array.isArray(inputs);
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.inputShapes = xs.map((x) => [...x.shape]);
    this.inputDtypes = xs.map((x) => String(x.dtype));
    this.outputShape = [...output.shape];
    this.outputDtype = String(output.dtype);
    this.inputRefs = xs.map((x) => new WeakRef(x));
    this.outputRef = new WeakRef(output);
    this.inputMaskRefs = inputMasks.map((m) => (m ? new WeakRef(m) : null));
    this.outputMaskRef = outputMask ? new WeakRef(outputMask) : null;
  }

  /**
   * The input tensor(s), as passed (one tensor, or a list).
   * @throws TensorReleasedError if one was garbage-collected.
   */
  get inputTensors(): Tensor | Tensor[] {
    const xs = this.inputRefs.map((r, i) => this.deref(r, `input ${i}`));
    return this.multipleInputs ? xs : xs[0]!;
  }

  /**
   * The output tensor.
   * @throws TensorReleasedError if it was garbage-collected.
   */
  get outputTensor(): Tensor {
    return this.deref(this.outputRef, 'output');
  }

  /** The input mask(s) (`null` where an input had none), one per input or a single one. */
  get inputMasks(): Mask | Mask[] {
    const ms = this.inputMaskRefs.map((r, i) => (r ? this.deref(r, `input mask ${i}`) : null));
    return this.multipleInputs ? ms : ms[0]!;
  }

  /** The mask the layer computed for its output (`computeMask`), or `null`. */
  get outputMask(): Mask {
    return this.outputMaskRef ? this.deref(this.outputMaskRef, 'output mask') : null;
  }

  /** Input shape(s) in the seed's form: one shape, or a list for a list of inputs. */
  get inputShape(): number[] | number[][] {
    return this.multipleInputs ? this.inputShapes : this.inputShapes[0]!;
  }

  private deref(ref: WeakRef<Tensor>, what: string): Tensor {
    const t = ref.deref();
    if (!t) {
      throw new TensorReleasedError(
        `The ${what} tensor of node ${this.index} of layer '${this.outboundLayer.name}' was garbage-collected: nodes hold tensors weakly ` +
          `and keep only shapes and dtypes. Keep a reference to the tensor yourself, or use getInputShapeAt/getOutputShapeAt.`,
      );
    }
    return t;
  }
}

/**
 * The last {@link NodeHistory.limit} nodes of a layer. Node indices count all
 * calls ever made (node 0 is the first call, even after it was dropped), so a
 * layer called in a training loop keeps a bounded history.
 */
export class NodeHistory<L extends NodeLayer> {
  private kept: LayerNode<L>[] = [];
  private dropped = 0;

  constructor(private readonly limit: () => number) {}

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
    const excess = this.kept.length - Math.max(1, this.limit());
    if (excess > 0) {
      this.kept.splice(0, excess);
      this.dropped += excess;
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
  /** Forgets every node (indices restart at 0). */
  clear(): void {
    this.kept = [];
    this.dropped = 0;
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
