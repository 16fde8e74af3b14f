import type { Tensor } from '@strata/backend';
import { AmbiguousLayerNodeError, LayerNotConnectedError } from './errors.js';
import { LayerNode, type Mask, type NodeLayer, NodeHistory, producerOf, recordOutput } from './layer-node.js';

/**
 * The seed's node accessors of a layer (`inbound_nodes`, `input`,
 * `get_input_at`, ...), kept apart from {@link Layer} so that each file holds
 * one concept. Every call of a layer through `apply` records one
 * {@link LayerNode}; see there for what a node keeps (shapes and dtypes of
 * the last {@link LayerConnectivity.maxNodes} calls, tensors and masks of the
 * current pass only).
 *
 * Strata computes eagerly or traces, and nodes record real calls (a call on
 * symbolic tensors records a `SymbolicNode` of a functional graph instead):
 * the seed's "RuntimeError: if called in Eager mode" does not apply, these
 * accessors work in every mode.
 */
export abstract class LayerConnectivity<L extends NodeLayer> implements NodeLayer {
  /**
   * How many nodes a layer keeps (the latest calls). A layer called in a
   * training loop would otherwise grow without bound; older nodes are dropped
   * and asking for one throws NodeIndexError. Default 256.
   */
  maxNodes = 256;
  protected readonly inbound = new NodeHistory<L>({ limit: () => this.maxNodes });
  protected readonly outbound = new NodeHistory<L>({ limit: () => this.maxNodes });

  abstract readonly name: string;

  /** One node per call of this layer, oldest first (the last {@link LayerConnectivity.maxNodes}). Seed `inbound_nodes`. */
  get inboundNodes(): LayerNode<L>[] {
    return this.inbound.nodes;
  }
  /** The nodes (calls of other layers) that consumed an output of this layer, oldest first. Seed `outbound_nodes`. */
  get outboundNodes(): LayerNode<L>[] {
    return this.outbound.nodes;
  }
  /** Number of calls recorded so far (the next node's index). */
  get nodeCount(): number {
    return this.inbound.count;
  }

  /**
   * The input tensor(s) of the layer's only call (seed `input`).
   * @throws LayerNotConnectedError if the layer was never called.
   * @throws AmbiguousLayerNodeError if it was called more than once (use {@link LayerConnectivity.getInputAt}).
   * @throws TensorReleasedError if the tensor was released (a later pass started).
   */
  get input(): Tensor | Tensor[] {
    return this.onlyNode('input', 'getInputAt').inputTensors;
  }
  /** The output tensor of the layer's only call (seed `output`); errors as {@link LayerConnectivity.input}. */
  get output(): Tensor {
    return this.onlyNode('output', 'getOutputAt').outputTensor;
  }
  /** The input mask(s) of the only call (seed `input_mask`), `null` for none; errors as {@link LayerConnectivity.input}. */
  get inputMask(): Mask | Mask[] {
    return this.onlyNode('input mask', 'getInputMaskAt').inputMasks;
  }
  /** The output mask of the only call (seed `output_mask`), `null` for none; errors as {@link LayerConnectivity.input}. */
  get outputMask(): Mask {
    return this.onlyNode('output mask', 'getOutputMaskAt').outputMask;
  }
  /**
   * The input shape(s) (seed `input_shape`): of the only call, or of all calls if they agree.
   * @throws LayerNotConnectedError if the layer was never called.
   * @throws AmbiguousLayerNodeError if calls had different input shapes (use {@link LayerConnectivity.getInputShapeAt}).
   */
  get inputShape(): number[] | number[][] {
    return this.sameAcrossNodes('input shape', 'getInputShapeAt', (n) => n.inputShape);
  }
  /** The output shape (seed `output_shape`): of the only call, or of all calls if they agree; errors as {@link LayerConnectivity.inputShape}. */
  get outputShape(): number[] {
    return this.sameAcrossNodes('output shape', 'getOutputShapeAt', (n) => n.outputShape);
  }

  /**
   * Input tensor(s) of call `nodeIndex` (0 = first call). Seed `get_input_at`.
   * @throws NodeIndexError for an index that does not exist or is no longer kept.
   * @throws TensorReleasedError if the node's tensors were released (a later pass started).
   */
  getInputAt(nodeIndex: number): Tensor | Tensor[] {
    return this.inbound.at(nodeIndex, this.name, 'getInputAt').inputTensors;
  }
  /** Output tensor of call `nodeIndex` (seed `get_output_at`); errors as {@link LayerConnectivity.getInputAt}. */
  getOutputAt(nodeIndex: number): Tensor {
    return this.inbound.at(nodeIndex, this.name, 'getOutputAt').outputTensor;
  }
  /** Input shape(s) of call `nodeIndex` (seed `get_input_shape_at`). @throws NodeIndexError as {@link LayerConnectivity.getInputAt}. */
  getInputShapeAt(nodeIndex: number): number[] | number[][] {
    return this.inbound.at(nodeIndex, this.name, 'getInputShapeAt').inputShape;
  }
  /** Output shape of call `nodeIndex` (seed `get_output_shape_at`). @throws NodeIndexError as {@link LayerConnectivity.getInputAt}. */
  getOutputShapeAt(nodeIndex: number): number[] {
    return this.inbound.at(nodeIndex, this.name, 'getOutputShapeAt').outputShape;
  }
  /** Input mask(s) of call `nodeIndex` (seed `get_input_mask_at`); errors as {@link LayerConnectivity.getInputAt}. */
  getInputMaskAt(nodeIndex: number): Mask | Mask[] {
    return this.inbound.at(nodeIndex, this.name, 'getInputMaskAt').inputMasks;
  }
  /** Output mask of call `nodeIndex` (seed `get_output_mask_at`); errors as {@link LayerConnectivity.getInputAt}. */
  getOutputMaskAt(nodeIndex: number): Mask {
    return this.inbound.at(nodeIndex, this.name, 'getOutputMaskAt').outputMask;
  }

  /** Releases the tensors of the recorded nodes, at the start of a new pass (shapes remain). */
  protected releaseNodeTensors(): void {
    this.inbound.releaseTensors();
  }

  /** Forgets the recorded nodes (inbound and outbound); node indices restart at 0. */
  clearNodes(): void {
    this.inbound.clear();
    this.outbound.clear();
  }

  /** Records one call of this layer: a node in its inbound nodes and in its producers' outbound nodes; the output remembers its producer and mask. */
  protected recordNode(xs: Tensor[], output: Tensor, inputMasks: Mask[], outputMask: Mask, inputs: Tensor | Tensor[]): void {
    const self = this as unknown as L;
    const producers = xs.map((x) => producerOf<L>(x));
    const node = new LayerNode<L>({ outboundLayer: self, index: this.inbound.count, inboundLayers: producers, inputs, output, inputMasks, outputMask });
    this.inbound.push(node);
    for (const p of new Set(producers)) if (p && p !== self) (p as unknown as LayerConnectivity<L>).outbound.push(node);
    recordOutput(output, self, outputMask);
  }

  private onlyNode(attribute: string, atMethod: string): LayerNode<L> {
    const nodes = this.inbound.nodes;
    if (this.inbound.count === 0) throw new LayerNotConnectedError({ layer: this.name, attribute });
    if (this.inbound.count > 1) throw new AmbiguousLayerNodeError({ layer: this.name, attribute, nodes: this.inbound.count, atMethod });
    return nodes[0]!;
  }

  private sameAcrossNodes<T>(attribute: string, atMethod: string, pick: (n: LayerNode<L>) => T): T {
    if (this.inbound.count === 0) throw new LayerNotConnectedError({ layer: this.name, attribute });
    const values = this.inbound.nodes.map(pick);
    const key = JSON.stringify(values[0]);
    if (values.some((v) => JSON.stringify(v) !== key)) {
      const distinct = [...new Set(values.map((v) => JSON.stringify(v)))].join(', ');
      throw new AmbiguousLayerNodeError({ layer: this.name, attribute, nodes: this.inbound.count, atMethod, detail: ` with different ${attribute}s (${distinct})` });
    }
    return values[0]!;
  }
}
