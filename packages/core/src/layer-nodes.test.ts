// Seed 004 / 001: input, output, input_shape, output_shape, input_mask, output_mask,
// get_input_at ... get_output_mask_at, inbound_nodes, outbound_nodes, and the
// mask note of __call__ (a layer's computed mask reaches the next layer's call).
import { ops, type Tensor } from '@strata/backend';
import v8 from 'node:v8';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { AmbiguousLayerNodeError, LayerNotConnectedError, MaskNotSupportedError, NodeIndexError, TensorReleasedError } from './errors.js';
import { type CallContext, Layer } from './layer.js';
import type { Mask } from './layer-node.js';
import { Linear } from './layers/linear.js';
import { useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend('tfjs-cpu'));

const x2 = (rows: number, cols: number, start = 0): Tensor =>
  ops.tensor(Float32Array.from({ length: rows * cols }, (_, i) => start + i), [rows, cols]);

/** Keras' Masking: frames equal to 0 in every feature are masked (mask [batch, time], bool). */
class ZeroMasking extends Layer {
  static override readonly className: string = 'TestZeroMasking';
  override readonly supportsMasking = true;
  override call(x: Tensor | Tensor[]): Tensor {
    return x as Tensor;
  }
  override computeMask(x: Tensor | Tensor[]): Mask {
    return ops.greater(ops.sum(ops.abs(x as Tensor), [2]), 0);
  }
}

/** Averages over time the frames its mask keeps (a masking-aware consumer). */
class MaskedMean extends Layer {
  static override readonly className: string = 'TestMaskedMean';
  override readonly supportsMasking = true;
  seenMask: Mask | Mask[] | undefined;
  override call(x: Tensor | Tensor[], _ctx: CallContext, mask?: Mask | Mask[]): Tensor {
    this.seenMask = mask;
    const m = mask ? ops.cast(mask as Tensor, 'float32') : ops.ones((x as Tensor).shape.slice(0, 2));
    const w = ops.reshape(m, [...m.shape, 1]);
    return ops.div(ops.sum(ops.mul(x as Tensor, w), [1]), ops.sum(w, [1]));
  }
  override computeMask(): Mask {
    return null; // time is reduced away
  }
}

class Identity extends Layer {
  override call(x: Tensor | Tensor[]): Tensor {
    return x as Tensor;
  }
}

describe('inbound nodes: one per call', () => {
  it('a layer called once has unambiguous input, output and shapes', () => {
    const dense = new Linear({ units: 3 });
    expect(() => dense.input).toThrow(LayerNotConnectedError);
    expect(() => dense.outputShape).toThrow("Layer 'dense' has never been called, so it has no output shape");
    const x = x2(2, 4);
    const y = dense.apply(x);
    expect(dense.input).toBe(x);
    expect(dense.output).toBe(y);
    expect(dense.inputShape).toEqual([2, 4]);
    expect(dense.outputShape).toEqual([2, 3]);
    expect(dense.inputMask).toBeNull();
    expect(dense.outputMask).toBeNull();
    expect(dense.inboundNodes).toHaveLength(1);
    const node = dense.inboundNodes[0]!;
    expect([node.index, node.outboundLayer, node.inboundLayers]).toEqual([0, dense, [null]]);
    expect([node.inputDtypes, node.outputDtype]).toEqual([['float32'], 'float32']);
  });

  it('a layer called on several inputs records one node per call; the single-node getters then throw and name getXAt', () => {
    const dense = new Linear({ units: 3, name: 'shared' });
    const a = x2(2, 4);
    const b = x2(5, 4, 10);
    // Both calls inside one outer call: one pass, so both nodes keep their tensors.
    let ya!: Tensor;
    let yb!: Tensor;
    const outer = new Identity({ name: 'outer' });
    outer.call = (x) => {
      ya = dense.apply(a);
      yb = dense.apply(b);
      return x as Tensor;
    };
    outer.apply(a);
    expect(dense.inboundNodes.map((n) => n.index)).toEqual([0, 1]);
    expect(() => dense.input).toThrow(AmbiguousLayerNodeError);
    expect(() => dense.input).toThrow("Layer 'shared' has 2 inbound nodes (it was called 2 times), so the notion of its \"input\" is ill-defined. Use getInputAt(nodeIndex)");
    expect(() => dense.output).toThrow('Use getOutputAt(nodeIndex)');
    expect(() => dense.inputMask).toThrow('Use getInputMaskAt(nodeIndex)');
    expect(() => dense.outputMask).toThrow('Use getOutputMaskAt(nodeIndex)');
    // Different batch sizes: the shapes differ, so input_shape is ambiguous too.
    expect(() => dense.inputShape).toThrow('with different input shapes ([2,4], [5,4])');
    expect(() => dense.outputShape).toThrow('Use getOutputShapeAt(nodeIndex)');
    expect([dense.getInputAt(0), dense.getInputAt(1), dense.getOutputAt(0), dense.getOutputAt(1)]).toEqual([a, b, ya, yb]);
    expect([dense.getInputShapeAt(1), dense.getOutputShapeAt(1)]).toEqual([[5, 4], [5, 3]]);
    expect([dense.getInputMaskAt(0), dense.getOutputMaskAt(1)]).toEqual([null, null]);
    expect(() => dense.getInputAt(2)).toThrow(NodeIndexError);
    expect(() => dense.getOutputShapeAt(-1)).toThrow("getOutputShapeAt: layer 'shared' has 2 inbound node(s) (one per call), so node indices are 0..1. Received: nodeIndex=-1.");
  });

  it('input_shape is defined across calls when every call had the same shapes', () => {
    const dense = new Linear({ units: 2 });
    dense.apply(x2(3, 4));
    dense.apply(x2(3, 4, 1));
    expect(dense.inputShape).toEqual([3, 4]);
    expect(dense.outputShape).toEqual([3, 2]);
  });

  it('multi-input calls give lists of tensors and shapes', () => {
    const sum = new (class extends Layer {
      override call(xs: Tensor | Tensor[]): Tensor {
        return ops.add((xs as Tensor[])[0]!, (xs as Tensor[])[1]!);
      }
    })();
    const a = x2(2, 3);
    const b = x2(2, 3, 6);
    sum.apply([a, b]);
    expect(sum.input).toEqual([a, b]);
    expect(sum.inputShape).toEqual([[2, 3], [2, 3]]);
    expect(sum.inputMask).toEqual([null, null]);
    expect(Array.from(ops.readSync(sum.output))).toEqual([6, 8, 10, 12, 14, 16]);
  });

  it('links producers and consumers: inbound layers and outbound nodes', () => {
    const one = new Linear({ units: 3, name: 'one' });
    const two = new Linear({ units: 1, name: 'two' });
    const three = new Linear({ units: 2, name: 'three' });
    const h = one.apply(x2(1, 2));
    two.apply(h);
    three.apply(h);
    expect(two.inboundNodes[0]!.inboundLayers).toEqual([one]);
    expect(one.outboundNodes.map((n) => n.outboundLayer.name)).toEqual(['two', 'three']);
    expect(two.outboundNodes).toEqual([]);
  });

  it('keeps the last maxNodes nodes; older indices throw NodeIndexError saying why', () => {
    const id = new Identity({ name: 'loop' });
    id.maxNodes = 3;
    for (let i = 0; i < 5; i++) id.apply(x2(1, 1, i));
    expect(id.nodeCount).toBe(5);
    expect(id.inboundNodes.map((n) => n.index)).toEqual([2, 3, 4]);
    expect(Array.from(ops.readSync(id.getOutputAt(4)))).toEqual([4]);
    expect(() => id.getInputShapeAt(1)).toThrow('node 1 of layer \'loop\' is no longer kept: a layer keeps its last 3 nodes');
    id.clearNodes();
    expect(() => id.input).toThrow(LayerNotConnectedError);
  });

  it('keeps the tensors of the current pass only: a new top-level call releases older nodes\' tensors, shapes remain', () => {
    const dense = new Linear({ units: 2, name: 'pass' });
    const x = ops.tensor([1, 2, 3], [1, 3]);
    const y = dense.apply(x);
    expect(dense.getOutputAt(0)).toBe(y);
    dense.apply(ops.tensor([4, 5, 6, 7, 8, 9], [2, 3])); // a new pass
    expect(dense.inboundNodes[0]!.released).toBe(true);
    expect(() => dense.getInputAt(0)).toThrow(TensorReleasedError);
    expect(() => dense.getOutputAt(0)).toThrow("The output tensor of node 0 of layer 'pass' was released: a layer keeps the tensors of its calls in the current pass only");
    expect([dense.getInputShapeAt(0), dense.getOutputShapeAt(0), dense.getInputShapeAt(1)]).toEqual([[1, 3], [1, 2], [2, 3]]);
    expect(dense.getOutputAt(1).shape).toEqual([2, 2]);
  });

  it('holds no tensor after its node is released: the garbage collector takes it', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const dense = new Linear({ units: 2, name: 'weak' });
    let probe!: WeakRef<Tensor>;
    (() => {
      const x = ops.tensor([1, 2, 3], [1, 3]);
      probe = new WeakRef(x);
      ops.dispose([x, dense.apply(x)]);
    })();
    dense.apply(ops.tensor([1, 1, 1], [1, 3])); // next pass: node 0 releases x
    for (let i = 0; i < 5 && probe.deref(); i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
    expect(probe.deref()).toBeUndefined();
    expect(dense.inputShape).toEqual([1, 3]);
  });
});

describe('masks (seed __call__ note: call receives the mask generated by the previous layer)', () => {
  // [batch 2, time 3, features 2]; frame (0, 2) and frames (1, 1..2) are all zero.
  const seq = () => ops.tensor([1, 2, 3, 4, 0, 0, 5, 6, 0, 0, 0, 0], [2, 3, 2]);

  it('propagates computeMask output into the next call and records input/output masks', () => {
    const masking = new ZeroMasking();
    const mean = new MaskedMean();
    const h = masking.apply(seq());
    const y = mean.apply(h);
    expect(Array.from(ops.readSync(masking.outputMask!))).toEqual([1, 1, 0, 1, 0, 0]);
    expect(mean.seenMask).toBe(masking.outputMask);
    expect(mean.inputMask).toBe(masking.outputMask);
    expect(mean.outputMask).toBeNull();
    // Masked mean over time: [(1+3)/2, (2+4)/2], [5, 6].
    expect(Array.from(ops.readSync(y))).toEqual([2, 3, 5, 6]);
    // An explicit mask wins; { mask: null } removes it.
    mean.apply(h, undefined, { mask: null });
    expect(mean.seenMask).toBeUndefined();
    expect(mean.getInputMaskAt(1)).toBeNull();
  });

  it('a pass-through layer with supportsMasking carries the mask on; a layer without it throws MaskNotSupportedError', () => {
    const h = new ZeroMasking().apply(seq());
    const dense = new Linear({ units: 2, name: 'dense_after_mask' });
    const carried = dense.apply(h); // Linear acts per frame and supports masking
    expect(dense.outputMask).toBe(dense.inputMask);
    const plain = new Identity({ name: 'plain' });
    expect(() => plain.apply(carried)).toThrow(MaskNotSupportedError);
    expect(() => plain.apply(carried)).toThrow("Layer 'plain' (Layer) does not support masking, but was passed an input mask (shapes [2, 3])");
    expect(plain.nodeCount).toBe(0);
    expect(plain.apply(carried, undefined, { mask: null })).toBe(carried);
  });

  it('computeMask: null without a mask, the input mask when supported, MaskNotSupportedError otherwise', () => {
    const m = ops.tensor([1, 0], [1, 2], 'bool');
    expect(new Identity().computeMask(x2(1, 2), null)).toBeNull();
    expect(new Linear({ units: 1 }).computeMask(x2(1, 2), m)).toBe(m);
    expect(() => new Identity().computeMask(x2(1, 2), [null, m])).toThrow(MaskNotSupportedError);
  });
});
