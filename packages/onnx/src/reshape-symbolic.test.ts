/**
 * Reshapes of tensors with symbolic (batch, time) axes: which dims the
 * result has, and what shape vector the graph feeds `Reshape` (a constant
 * with 0 / -1 where that is enough, else computed from the inputs' `Shape`).
 */
import { BackendCapabilityError, ShapeError } from '@strata/backend';
import { describe, expect, it } from 'vitest';
import { sym, type SymDim } from './dims.js';
import { GraphBuilder, type OnnxValue } from './graph.js';
import { concat, reshape } from './lower/shape.js';
import { serializeModel } from './model.js';
import { decodeModel } from './test-utils/decode-model.js';

const batch = sym('batch');
const time = sym('time');
const B = 11;
const T = 13;

/** The shape vector fed to the Reshape producing `v`: constant values, or the op types computing it. */
function reshapeTarget(g: GraphBuilder, v: OnnxValue): { constant?: number[]; computedBy?: string[] } {
  const node = g.nodes.find((n) => n.outputs.includes(v.name) && n.opType === 'Reshape')!;
  const shapeName = node.inputs[1]!;
  const c = g.constants.find((k) => k.name === shapeName);
  if (c) return { constant: Array.from(c.data as BigInt64Array, Number) };
  return { computedBy: g.nodes.filter((n) => n.opType !== 'Reshape').map((n) => n.opType) };
}

function graphWith(dims: SymDim[], shape: number[]): { g: GraphBuilder; x: OnnxValue } {
  const g = new GraphBuilder({ opset: 26 });
  return { g, x: g.input('x', 'float32', shape, dims) };
}

describe('reshape with symbolic axes', () => {
  it('[batch, time, F] → [batch*time, F]: a constant [-1, F]', () => {
    const { g, x } = graphWith([batch, time, 4], [B, T, 4]);
    const y = reshape(g, x, [B * T, 4]);
    expect(y.shape).toEqual([B * T, 4]);
    expect(y.dims).toEqual([{ coef: 1, syms: ['batch', 'time'] }, 4]);
    expect(reshapeTarget(g, y)).toEqual({ constant: [-1, 4] });
  });

  it('[batch*time, U] → [batch, time, U]: computed from the Shape of the input', () => {
    const { g, x } = graphWith([batch, time, 4], [B, T, 4]);
    const flat = reshape(g, x, [B * T, 4]);
    const y = reshape(g, flat, [B, T, 4]);
    expect(y.dims).toEqual([batch, time, 4]);
    const target = reshapeTarget(g, y);
    expect(target.constant).toBeUndefined();
    expect(target.computedBy).toEqual(['Shape', 'Gather', 'Shape', 'Gather', 'Concat']);
    // both symbols come from input 'x'
    const shapes = g.nodes.filter((n) => n.opType === 'Shape');
    expect(shapes.map((n) => n.inputs[0])).toEqual(['x', 'x']);
  });

  it('[batch, H, W, C] → [batch, H*W*C] (flatten): a constant [0, H*W*C]', () => {
    const { g, x } = graphWith([batch, 2, 3, 4], [B, 2, 3, 4]);
    const y = reshape(g, x, [B, 24]);
    expect(y.dims).toEqual([batch, 24]);
    expect(reshapeTarget(g, y)).toEqual({ constant: [0, 24] });
    // the same with -1 for the batch axis
    const z = reshape(g, x, [-1, 24]);
    expect(z.dims).toEqual([batch, 24]);
    expect(reshapeTarget(g, z)).toEqual({ constant: [0, 24] });
  });

  it('[batch, time, F] → [batch, time*F]: the leftover size takes the symbol', () => {
    const { g, x } = graphWith([batch, time, 4], [B, T, 4]);
    const y = reshape(g, x, [B, T * 4]);
    expect(y.dims).toEqual([batch, { coef: 4, syms: ['time'] }]);
    expect(reshapeTarget(g, y)).toEqual({ constant: [0, -1] });
  });

  it('[batch, 6] → [2*batch, 3]: a coefficient on the symbol', () => {
    const { g, x } = graphWith([batch, 6], [B, 6]);
    const y = reshape(g, x, [2 * B, 3]);
    expect(y.dims).toEqual([{ coef: 2, syms: ['batch'] }, 3]);
    expect(reshapeTarget(g, y)).toEqual({ constant: [-1, 3] });
  });

  it('static inputs give a static shape vector', () => {
    const { g, x } = graphWith([2, 3, 4], [2, 3, 4]);
    const y = reshape(g, x, [6, -1]);
    expect(y.dims).toEqual([6, 4]);
    expect(reshapeTarget(g, y)).toEqual({ constant: [6, 4] });
  });

  it('the model declares the symbolic dims as dim_params', () => {
    const { g, x } = graphWith([batch, time, 4], [B, T, 4]);
    g.output(reshape(g, reshape(g, x, [B * T, 4]), [B, T, 4]), 'y');
    const m = decodeModel(serializeModel(g));
    expect(m.inputs).toEqual([{ name: 'x', dims: ['batch', 'time', 4] }]);
    expect(m.outputs).toEqual([{ name: 'y', dims: ['batch', 'time', 4] }]);
  });

  it('throws BackendCapabilityError when a size depends on an axis the graph cannot express', () => {
    const { g, x } = graphWith([batch, 3], [B, 3]);
    const doubled = concat(g, [x, x], 0);
    expect(doubled.dims).toEqual(['unknown', 3]);
    expect(() => reshape(g, doubled, [-1])).toThrow(BackendCapabilityError);
  });

  it('throws ShapeError for sizes that do not match', () => {
    const { g, x } = graphWith([batch, 3], [B, 3]);
    expect(() => reshape(g, x, [5, 7])).toThrow(ShapeError);
    expect(() => reshape(g, x, [-1, -1])).toThrow(ShapeError);
    expect(() => reshape(g, x, [-1, 5])).toThrow('cannot reshape [11, 3] (size 33) to [-1, 5]');
  });
});
