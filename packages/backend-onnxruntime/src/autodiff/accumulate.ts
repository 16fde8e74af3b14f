import type { Backend, Tensor } from '@strata/backend';
import type { OnnxValue } from '@strata/onnx';
import type { GradPiece } from './rule.js';

interface Parts {
  dense: Tensor | undefined;
  pieces: GradPiece[];
}

/**
 * The gradient contributions of each value of a recorded graph, summed
 * when the value's gradient is taken. Full-size contributions are added as
 * they come; {@link GradPiece}s (gradients of slices) are kept until then
 * and built into one tensor: pieces that tile one axis without overlap (the
 * frames of an `unstack`, the parts of a split) are concatenated with zero
 * gaps, so `T` frames cost one `Concat` instead of `T` full-size `Pad`s and
 * `T - 1` full-size `Add`s. Other pieces are padded to full size one by one.
 */
export class GradAccumulator {
  private readonly parts = new Map<OnnxValue, Parts>();

  constructor(private readonly b: Backend) {}

  add(x: OnnxValue, g: Tensor | GradPiece): void {
    let p = this.parts.get(x);
    if (!p) this.parts.set(x, (p = { dense: undefined, pieces: [] }));
    if ('piece' in g) p.pieces.push(g);
    else p.dense = p.dense ? this.b.add(p.dense, g) : g;
  }

  /**
   * The summed gradient of `x` (shape of `x`), or `undefined` if nothing
   * contributed; `x`'s contributions are consumed (an op whose output is its
   * input starts a new sum).
   */
  take(x: OnnxValue): Tensor | undefined {
    const p = this.parts.get(x);
    if (!p) return undefined;
    this.parts.delete(x);
    let total = p.dense;
    for (const g of this.assemble(x.shape, p.pieces)) total = total ? this.b.add(total, g) : g;
    return total;
  }

  /** Full-size tensors whose sum is the sum of the placed `pieces`. */
  private assemble(shape: readonly number[], pieces: readonly GradPiece[]): Tensor[] {
    if (pieces.length === 0) return [];
    const b = this.b;
    const pad = (p: GradPiece) => b.pad(p.piece, shape.map((d, i): [number, number] => [p.begin[i]!, d - p.begin[i]! - p.piece.shape[i]!]));
    if (pieces.length === 1) return [pad(pieces[0]!)];
    // The axis along which most pieces are partial, all other axes whole.
    const along = (a: number) => pieces.filter((p) => shape.every((d, i) => i === a || (p.begin[i] === 0 && p.piece.shape[i] === d)));
    let axis = -1;
    let best: GradPiece[] = [];
    shape.forEach((_, a) => {
      const fit = along(a);
      if (fit.length > best.length) [axis, best] = [a, fit];
    });
    if (best.length < 2) return pieces.map(pad);
    const sorted = [...best].sort((p, q) => p.begin[axis]! - q.begin[axis]!);
    const chain: Tensor[] = [];
    const rest = pieces.filter((p) => !best.includes(p));
    const gap = (n: number) => b.fill(shape.map((d, i) => (i === axis ? n : d)), 0);
    let at = 0;
    for (const p of sorted) {
      const start = p.begin[axis]!;
      if (start < at) {
        rest.push(p); // overlaps the previous piece
        continue;
      }
      if (start > at) chain.push(gap(start - at));
      chain.push(p.piece);
      at = start + p.piece.shape[axis]!;
    }
    if (at < shape[axis]!) chain.push(gap(shape[axis]! - at));
    return [chain.length === 1 ? chain[0]! : b.concat(chain, axis), ...rest.map(pad)];
  }
}
