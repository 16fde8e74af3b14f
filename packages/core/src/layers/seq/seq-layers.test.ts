// The sequence layers beyond the layer table (which checks forward, gradients,
// masking, parity and configs): sequenceMask, outputSeqLens against closed
// forms, "each sequence as if alone" over random lengths, computeOutputShape,
// and the typed errors.
import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import type { Layer } from '../../layer.js';
import { Rng } from '../../rng.js';
import { maskFrames, sequenceMask } from '../../sequence-mask.js';
import { rowTensors, unwrap } from '../../test-utils/row.js';
import { attentionRows } from '../../test-utils/attention-rows.js';
import { seqRows } from '../../test-utils/seq-rows.js';
import { expectClose, randomTensor, useBackend } from '../../test-utils/setup.js';
import { Linear } from '../linear.js';
import { Conv1D } from './conv1d.js';
import { DotAttention } from './dot-attention.js';
import { Gather } from './gather.js';
import { LayerNorm } from './layer-norm.js';
import { Length } from './length.js';
import { PositionalEncoding } from './positional-encoding.js';
import { PostfixInTime } from './postfix-in-time.js';
import { PrefixInTime } from './prefix-in-time.js';
import { Reduce } from './reduce.js';
import { SelfAttention } from './self-attention.js';
import { Slice } from './slice.js';
import { Window } from './window.js';

beforeAll(() => useBackend('tfjs-cpu'));

const lensTensor = (lens: number[]): Tensor => ops.tensor(Int32Array.from(lens), [lens.length], 'int32');
const read = (t: Tensor): number[] => Array.from(ops.readSync(t));

describe('sequenceMask and maskFrames', () => {
  it('marks frames t < len with 1, as float32 [batch, maxLen]', () => {
    const m = sequenceMask(lensTensor([3, 0, 5]), 4);
    expect(m.shape).toEqual([3, 4]);
    expect(m.dtype).toBe('float32');
    expect(read(m)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('zeroes padded frames of rank 2 and rank 4 tensors', () => {
    expect(read(maskFrames(ops.tensor([1, 2, 3, 4, 5, 6], [2, 3]), lensTensor([1, 2])))).toEqual([1, 0, 0, 4, 5, 0]);
    const y = read(maskFrames(ops.fill([2, 3, 2, 2], 1), lensTensor([2, 3])));
    expect(y).toEqual([...new Array(8).fill(1), 0, 0, 0, 0, ...new Array(12).fill(1)]);
  });
});

/** Python's `len(range(n)[start:end:step])` for start >= 0, step >= 1. */
function pySliceLen(n: number, start: number, end: number | null, step: number): number {
  const e = end === null ? n : end < 0 ? Math.max(0, n + end) : Math.min(n, end);
  return Math.max(0, Math.ceil((e - Math.min(start, n)) / step));
}

describe('outputSeqLens agrees with the closed forms', () => {
  const lens = [0, 1, 2, 3, 4, 5, 7, 9];
  const out = (layer: Layer): number[] => read(layer.outputSeqLens(lensTensor(lens)));

  it('Conv1D: TF window rule per length, at least 0', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 40; n++) {
      const k = 1 + rng.int(4);
      const s = 1 + rng.int(3);
      const d = s === 1 ? 1 + rng.int(3) : 1;
      const padding = rng.uniform() < 0.5 ? 'same' : 'valid';
      const want = lens.map((l) => Math.max(0, padding === 'same' ? Math.ceil(l / s) : Math.ceil((l - (k - 1) * d) / s)));
      expect(out(new Conv1D({ filters: 1, kernelSize: k, strides: s, dilationRate: d, padding })), `k${k} s${s} d${d} ${padding}`).toEqual(want);
    }
  });

  it('Slice over T: Python slicing of each sequence; other axes unchanged', () => {
    const rng = new Rng(8);
    for (let n = 0; n < 60; n++) {
      const start = rng.int(4);
      const end = rng.uniform() < 0.3 ? null : rng.int(9) - 4;
      const step = 1 + rng.int(3);
      expect(out(new Slice({ axis: 'T', start, end, step })), `[${start}:${end}:${step}]`).toEqual(lens.map((l) => pySliceLen(l, start, end, step)));
    }
    expect(out(new Slice({ axis: 'F', start: 1 }))).toEqual(lens);
  });

  it('Window, PrefixInTime, PostfixInTime; unchanged by default', () => {
    expect(out(new Window({ windowSize: 3 }))).toEqual(lens);
    expect(out(new Window({ windowSize: 3, padding: 'valid' }))).toEqual(lens.map((l) => Math.max(0, l - 2)));
    expect(out(new PrefixInTime({ repeat: 3 }))).toEqual(lens.map((l) => l + 3));
    expect(out(new PostfixInTime({ repeat: 2 }))).toEqual(lens.map((l) => l + 2));
    expect(out(new LayerNorm())).toEqual(lens);
    expect(out(new SelfAttention({ numHeads: 1, totalKeyDim: 2, units: 2 }))).toEqual(lens);
  });
});

describe('each sequence of a padded batch gives what it gives alone (random lengths)', () => {
  // Layers whose result for a sequence depends only on its own frames
  // (Conv1D 'same' with strides > 1 is excluded: TF centres its padding on the padded length).
  const cases: [string, () => Layer, number][] = [
    ['Conv1D same k3', () => new Conv1D({ filters: 2, kernelSize: 3, padding: 'same' }), 3],
    ['Conv1D valid k2 stride 2', () => new Conv1D({ filters: 2, kernelSize: 2, strides: 2 }), 3],
    ['Window 2 valid', () => new Window({ windowSize: 2, padding: 'valid' }), 3],
    ['Reduce mean T', () => new Reduce({ mode: 'mean', axis: 'T' }), 3],
    ['Reduce min T keepDims', () => new Reduce({ mode: 'min', axis: 'T', keepDims: true }), 3],
    ['Slice T [1:-1:2]', () => new Slice({ axis: 'T', start: 1, end: -1, step: 2 }), 3],
    ['PrefixInTime 2', () => new PrefixInTime({ repeat: 2, prefix: 1 }), 3],
    ['PostfixInTime 2', () => new PostfixInTime({ repeat: 2, postfix: -2 }), 3],
    ['PositionalEncoding add', () => new PositionalEncoding({ addToInput: true }), 4],
    ['SelfAttention causal', () => new SelfAttention({ numHeads: 2, totalKeyDim: 4, units: 4, attentionLeftOnly: true, seed: 3 }), 3],
    ['SelfAttention', () => new SelfAttention({ numHeads: 1, totalKeyDim: 2, units: 3, seed: 4 }), 3],
    ['LayerNorm', () => new LayerNorm(), 3],
  ];
  for (const [name, make, features] of cases) {
    it(name, () => {
      const rng = new Rng(name.length);
      const time = 7;
      const lens = [7, 2 + rng.int(5), 2 + rng.int(5)];
      const layer = make();
      const x = randomTensor([lens.length, time, features], 5);
      const y = layer.apply([x, lensTensor(lens)]);
      const outLens = read(layer.outputSeqLens(lensTensor(lens)));
      const all = read(y);
      const rowSize = all.length / lens.length;
      // Reduce over T has no time axis left: the whole row is the sequence's result.
      const timeless = name.startsWith('Reduce');
      lens.forEach((len, b) => {
        const n = timeless ? rowSize : (outLens[b]! * rowSize) / y.shape[1]!;
        const row = all.slice(b * rowSize, (b + 1) * rowSize);
        if (n > 0) expectClose(row.slice(0, n), read(layer.apply(ops.slice(x, [b, 0, 0], [1, len, -1]))).slice(0, n));
        expect(row.slice(n).every((v) => v === 0), `seq ${b}: frames past the output length are zero`).toBe(true);
      });
    });
  }
});

describe("RETURNN's window and conv (use_time_mask false) read the padded frames past a length as they are", () => {
  const lens = [5, 3, 2];
  const x = () => randomTensor([3, 5, 2], 8);
  it('Window 3 centred with maskPadding false (the net-dict default): the last valid frame of each sequence holds the input frame after it, unmasked; by default it holds 0', () => {
    const xs = read(x());
    const y = read(new Window({ windowSize: 3, maskPadding: false }).apply([x(), lensTensor(lens)]));
    const masked = read(new Window({ windowSize: 3 }).apply([x(), lensTensor(lens)]));
    // out[b, t, w, f] = x[b, t - 1 + w, f]; frame t = len - 1, tap w = 2 reads x[b, len] (zero only past the padded axis).
    lens.forEach((len, b) => {
      const got = y.slice(((b * 5 + len - 1) * 3 + 2) * 2, ((b * 5 + len - 1) * 3 + 3) * 2);
      const want = len < 5 ? xs.slice((b * 5 + len) * 2, (b * 5 + len + 1) * 2) : new Float32Array(2);
      expect(Array.from(got)).toEqual(Array.from(want));
      if (len < 5) expect(want.some((v) => v !== 0)).toBe(true);
      const gotMasked = masked.slice(((b * 5 + len - 1) * 3 + 2) * 2, ((b * 5 + len - 1) * 3 + 3) * 2);
      expect(Array.from(gotMasked).every((v) => v === 0)).toBe(true);
    });
  });
  it('Conv1D useTimeMask false: the valid frames are those of the unmasked convolution; useTimeMask true differs at the last frame', () => {
    const conv = new Conv1D({ filters: 2, kernelSize: 3, padding: 'same', useTimeMask: false, seed: 2 });
    const masked = new Conv1D({ filters: 2, kernelSize: 3, padding: 'same', seed: 2 });
    const y = read(conv.apply([x(), lensTensor(lens)]));
    const ym = read(masked.apply([x(), lensTensor(lens)]));
    const full = read(conv.apply(x()));
    lens.forEach((len, b) => {
      const valid = (t: ArrayLike<number>) => Array.from(t).slice(b * 10, b * 10 + len * 2);
      expectClose(new Float32Array(valid(y)), new Float32Array(valid(full)));
      if (len < 5) expect(Math.abs(ym[b * 10 + (len - 1) * 2]! - full[b * 10 + (len - 1) * 2]!)).toBeGreaterThan(1e-4);
    });
  });
});

describe('computeOutputShape matches the computed output of every sequence and attention row', () => {
  for (const row of [...seqRows, ...attentionRows]) {
    it(row.name, () => {
      const layer = row.make();
      const xs = rowTensors(row);
      const y = layer.apply(unwrap(row, xs));
      const shapes = xs.map((x) => [null, ...x.shape.slice(1)]);
      expect([null, ...y.shape.slice(1)]).toEqual(layer.computeOutputShape(shapes.length === 1 ? shapes[0]! : shapes));
    });
  }
});

describe('typed errors', () => {
  const args: [string, () => unknown, string][] = [
    ['Linear sparseInputDim', () => new Linear({ units: 2, sparseInputDim: 0 }), 'Received: sparseInputDim=0.'],
    ['LayerNorm epsilon', () => new LayerNorm({ epsilon: -1 }), 'Received: epsilon=-1.'],
    ['Conv1D kernelSize', () => new Conv1D({ filters: 2, kernelSize: 0 }), 'Received: kernelSize=0.'],
    ['Conv1D padding', () => new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal' as 'same' }), 'Received: padding="causal".'],
    ['Window size', () => new Window({ windowSize: 0 }), 'Received: windowSize=0.'],
    ['Window left+right', () => new Window({ windowSize: 3, windowLeft: 2, windowRight: 2 }), 'Received: windowSize=3, windowLeft=2, windowRight=2.'],
    ['Reduce mode', () => new Reduce({ mode: 'prod' as 'sum', axis: 'T' }), 'Received: mode="prod".'],
    ['Reduce batch axis', () => new Reduce({ mode: 'sum', axis: 0 }), 'Received: axis=0.'],
    ['PositionalEncoding units', () => new PositionalEncoding(), 'Received: units=undefined, addToInput=false.'],
    ['PrefixInTime repeat', () => new PrefixInTime({ repeat: -1 }), 'Received: repeat=-1.'],
    ['PostfixInTime postfix', () => new PostfixInTime({ postfix: Number.NaN }), 'Received: postfix=NaN.'],
    ['Slice start', () => new Slice({ axis: 'T', start: -1 }), 'Received: start=-1.'],
    ['Slice step', () => new Slice({ axis: 'T', step: 0 }), 'Received: step=0.'],
    ['Gather axis', () => new Gather({ axis: 'B' as 'T' }), 'Received: axis="B".'],
    ['SelfAttention heads', () => new SelfAttention({ numHeads: 3, totalKeyDim: 4, units: 6 }), 'Received: numHeads=3, totalKeyDim=4, units=6.'],
    ['DotAttention numHeads', () => new DotAttention({ numHeads: 0 }), 'Received: numHeads=0.'],
  ];
  for (const [name, make, received] of args) {
    it(`LayerArgumentError: ${name}`, () => {
      expect(make).toThrow(LayerArgumentError);
      expect(make).toThrow(received);
    });
  }

  const x = (shape: number[]) => randomTensor(shape, 1);
  const shapes: [string, () => unknown, RegExp][] = [
    ['Linear float input with sparseInputDim', () => new Linear({ units: 2, sparseInputDim: 4 }).apply(x([2, 3])), /expects int32 class indices/],
    ['Linear int32 input without sparseInputDim', () => new Linear({ units: 2 }).apply(ops.tensor([1, 2], [2, 1], 'int32')), /needs sparseInputDim/],
    ['LayerNorm features changed', () => { const l = new LayerNorm(); l.apply(x([2, 3])); l.apply(x([2, 4])); }, /expected 3 features/],
    ['Conv1D rank 2', () => new Conv1D({ filters: 1, kernelSize: 2 }).apply(x([2, 3])), /rank 3/],
    ['Conv1D window too long', () => new Conv1D({ filters: 1, kernelSize: 4 }).apply(x([2, 3, 1])), /does not fit/],
    ['Window valid too long', () => new Window({ windowSize: 4, padding: 'valid' }).apply(x([2, 3, 1])), /does not fit/],
    ['seqLens float', () => new Window({ windowSize: 2 }).apply([x([2, 3, 1]), x([2])]), /expected seqLens int32 \[2\]/],
    ['seqLens wrong batch', () => new Reduce({ mode: 'sum', axis: 'T' }).apply([x([2, 3, 1]), lensTensor([1, 2, 3])]), /expected seqLens int32 \[2\]/],
    ['Reduce axis outside x', () => new Reduce({ mode: 'sum', axis: 3 }).apply(x([2, 3, 1])), /not a non-batch axis/],
    ['Slice empty', () => new Slice({ axis: 'F', start: 4 }).apply(x([2, 3, 4])), /is empty/],
    ['Length without seqLens', () => new Length().apply(x([2, 3])), /\[x, seqLens\]/],
    ['Gather float positions', () => new Gather({ axis: 'T' }).apply([x([2, 3, 1]), x([2])]), /int32 positions/],
    ['PositionalEncoding addToInput units mismatch', () => new PositionalEncoding({ addToInput: true, units: 4 }).apply(x([2, 3, 2])), /units=4/],
    ['DotAttention keyDim mismatch', () => new DotAttention().apply([x([2, 3]), x([2, 4, 2]), x([2, 4, 2])]), /keyDim of keys/],
    ['DotAttention heads do not divide', () => new DotAttention({ numHeads: 2 }).apply([x([2, 3]), x([2, 4, 3]), x([2, 4, 2])]), /must divide/],
  ];
  for (const [name, run, message] of shapes) {
    it(`InputShapeError: ${name}`, () => {
      expect(run).toThrow(InputShapeError);
      expect(run).toThrow(message);
    });
  }
});

describe("Gather with RETURNN's int position", () => {
  it("axis 'F', position 2 of [2, 3, 4]: x[:, :, 2], the axis removed; out of range is an InputShapeError", () => {
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    const g = new Gather({ axis: 'F', position: 2 });
    expect(Array.from(ops.readSync(g.apply(ops.tensor(x, [2, 3, 4]))))).toEqual([2, 6, 10, 14, 18, 22]);
    expect(g.computeOutputShape([null, null, 4])).toEqual([null, null]);
    expect(Array.from(ops.readSync(new Gather({ axis: 'T', position: 1 }).apply(ops.tensor(x, [2, 3, 4]))))).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
    expect(() => new Gather({ axis: 'F', position: 4 }).computeOutputShape([null, 3, 4])).toThrow(InputShapeError);
  });
});
