// RETURNN's masked_computation outside a rec loop packs the frames where the mask holds (within each sequence's
// length) onto a new time axis: the plan, packMasked's values and lengths, and its gradient (the upstream gradient
// back at the kept frames, 0 elsewhere), against the closed form written with loops; time at another axis too.
// unpackMasked (RETURNN's UnmaskLayer outside a loop): each frame the last kept one up to it, forward and gradient.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import { maskedPackPlan, packMasked, unpackMasked } from './masked-pack.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const read = (t: Tensor) => Array.from(ops.readSync(t));
const [B, T, F] = [3, 5, 2];
const LENS = [5, 3, 4];
// Sequence 1 keeps a frame past its length (t = 4, not counted); sequence 2 keeps none.
const MASK = [
  [1, 0, 1, 1, 0],
  [0, 1, 1, 0, 1],
  [0, 0, 0, 0, 1],
];
/** Per sequence, the frames kept, in order: the closed form of the packing. */
const kept = MASK.map((row, b) => row.map((m, t) => (m && t < LENS[b]! ? t : -1)).filter((t) => t >= 0));
const xs = Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.7 + 1));
const x = () => ops.tensor(xs, [B, T, F]);
const mask = () => ops.tensor(Uint8Array.from(MASK.flat()), [B, T], 'bool');
const lens = () => ops.tensor(LENS, [B], 'int32');

describe('maskedPackPlan', () => {
  it('counts the kept frames within each length; rows point at them in order, then at the zero frame', () => {
    const plan = maskedPackPlan(MASK.flat(), B, T, LENS);
    expect(Array.from(plan.newLens)).toEqual([3, 2, 0]);
    expect(plan.newTime).toBe(3);
    expect(Array.from(plan.rows)).toEqual([0, 2, 3, 6, 7, B * T, B * T, B * T, B * T]);
    // Without lengths every frame counts.
    expect(Array.from(maskedPackPlan(MASK.flat(), B, T).newLens)).toEqual([3, 3, 1]);
  });
});

describe('packMasked', () => {
  it('gives the kept frames in order, zeros past each new length, and the new lengths', () => {
    const { value, seqLens } = packMasked(x(), mask(), lens(), 1);
    const newT = Math.max(...kept.map((k) => k.length));
    expect(value.shape).toEqual([B, newT, F]);
    expect(read(seqLens)).toEqual(kept.map((k) => k.length));
    const v = read(value);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < newT; k++) {
        for (let f = 0; f < F; f++) expect(v[(b * newT + k) * F + f]).toBe(k < kept[b]!.length ? xs[(b * T + kept[b]![k]!) * F + f]! : 0);
      }
    }
  });

  it('passes the gradient back to the kept frames (0 at the others): d sum(w * packed) / dx', () => {
    const newT = Math.max(...kept.map((k) => k.length));
    const ws = Float32Array.from({ length: B * newT * F }, (_, i) => Math.cos(i) + 2);
    const w = ops.tensor(ws, [B, newT, F]);
    const xv = getBackend().variable(x(), true);
    const [g] = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(packMasked(xv, mask(), lens(), 1).value, w)) }), [xv]).grads;
    const want = new Float32Array(B * T * F);
    kept.forEach((ts, b) => ts.forEach((t, k) => {
      for (let f = 0; f < F; f++) want[(b * T + t) * F + f] = ws[(b * newT + k) * F + f]!;
    }));
    read(g!).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('packs a time axis that is not next to the batch axis ([B, F, T]) the same way', () => {
    const moved = ops.transpose(x(), [0, 2, 1]);
    const { value } = packMasked(moved, mask(), lens(), 2);
    const direct = packMasked(x(), mask(), lens(), 1).value;
    expect(value.shape).toEqual([B, F, direct.shape[1]]);
    expect(read(ops.transpose(value, [0, 2, 1]))).toEqual(read(direct));
  });

  it('packs int32 class indices (a sparse source) too', () => {
    const ids = ops.tensor(Int32Array.from({ length: B * T }, (_, i) => i + 1), [B, T], 'int32');
    const { value } = packMasked(ids, mask(), lens(), 1);
    expect(value.dtype).toBe('int32');
    expect(read(value)).toEqual([1, 3, 4, 7, 8, 0, 0, 0, 0]);
  });

  it('refuses a mask whose shape is not [B, T] of the source', () => {
    expect(() => packMasked(x(), ops.tensor(Uint8Array.from([1, 0, 1]), [B, 1], 'bool'), undefined, 1)).toThrow(NetDictError);
  });
});

describe('unpackMasked', () => {
  const newT = Math.max(...kept.map((k) => k.length));
  /** Closed form: frame t of sequence b is packed frame (kept frames up to t) - 1, or the initial value before the first. */
  const source = (b: number, t: number) => kept[b]!.filter((u) => u <= t).length - 1;
  const ps = Float32Array.from({ length: B * newT * F }, (_, i) => 10 + i);
  const packed = () => ops.tensor(ps, [B, newT, F]);

  it('repeats the last kept frame where the mask skips, the initial value before the first kept frame', () => {
    const out = unpackMasked(packed(), mask(), lens(), 1, -1);
    expect(out.shape).toEqual([B, T, F]);
    const v = read(out);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < LENS[b]!; t++) {
        const k = source(b, t);
        for (let f = 0; f < F; f++) expect(v[(b * T + t) * F + f]).toBe(k < 0 ? -1 : ps[(b * newT + k) * F + f]!);
      }
    }
  });

  it('undoes packMasked on the kept frames', () => {
    const back = read(unpackMasked(packMasked(x(), mask(), lens(), 1).value, mask(), lens(), 1));
    kept.forEach((ts, b) => ts.forEach((t) => {
      for (let f = 0; f < F; f++) expect(back[(b * T + t) * F + f]).toBe(xs[(b * T + t) * F + f]!);
    }));
  });

  it('sums the gradient of each frame onto the packed frame it repeats', () => {
    const ws = Float32Array.from({ length: B * T * F }, (_, i) => Math.cos(i) + 2);
    const pv = getBackend().variable(packed(), true);
    const [g] = getBackend().valueAndGrads(() => ({ value: ops.sum(ops.mul(unpackMasked(pv, mask(), lens(), 1), ops.tensor(ws, [B, T, F]))) }), [pv]).grads;
    const want = new Float32Array(B * newT * F);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        // Past the length the count stops: the frame repeats the sequence's last kept frame.
        const k = source(b, Math.min(t, LENS[b]! - 1));
        if (k >= 0) for (let f = 0; f < F; f++) want[(b * newT + k) * F + f]! += ws[(b * T + t) * F + f]!;
      }
    }
    read(g!).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });
});
