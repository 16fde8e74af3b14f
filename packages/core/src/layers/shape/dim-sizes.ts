// The sizes of a derived RETURNN Dim (`time + 2`, `time // 2`, ...), computed from the sizes of the dim it is
// derived from, as RETURNN computes them (returnn/tensor/_dim_extra.py `Dim.complete_dyn_size`).
import { ops, type Tensor } from '@strata/backend';
import type { DimJson } from '../../dim-json.js';
import { LayerArgumentError } from '../../errors.js';
import { floorDiv } from '../eval/values.js';

/**
 * The one dynamic Dim a derived Dim is computed from (the leaves of its
 * `derived` tree that are dynamic and not derived themselves), by
 * description; `undefined` when there is none or more than one.
 */
export function derivedDimBase(j: DimJson): string | undefined {
  const leaves = new Set<string>();
  const walk = (x: DimJson | number): void => {
    if (typeof x === 'number' || x.size !== null) return;
    if (x.derived) x.derived.inputs.forEach(walk);
    else leaves.add(x.dim);
  };
  walk(j);
  return leaves.size === 1 ? [...leaves][0] : undefined;
}

type Size = Tensor | number;

const isNegative = (v: Size): boolean => typeof v === 'number' && v < 0;
const scalar = (v: Size): Tensor => (typeof v === 'number' ? ops.scalar(v, 'int32') : v);

function binOp(op: string, a: Size, b: Size): Size {
  const kind = op.replace(/_left$|_right$/, '');
  if (typeof a === 'number' && typeof b === 'number') {
    if (kind === 'add') return Math.max(a + b, 0);
    if (kind === 'mul') return a * b;
    if (kind === 'ceildiv') return -Math.floor(-a / b);
    return Math.floor(a / b);
  }
  const [x, y] = [scalar(a), scalar(b)];
  if (kind === 'add') {
    // RETURNN: a relu when an operand is negative (dynamic sizes are assumed non-negative).
    const sum = ops.add(x, y);
    return isNegative(a) || isNegative(b) ? ops.maximum(sum, ops.scalar(0, 'int32')) : sum;
  }
  if (kind === 'mul') return ops.mul(x, y);
  // `truediv` assumes there is no remainder (RETURNN computes it as floordiv).
  if (kind === 'ceildiv') return ops.neg(floorDiv(ops.neg(x), y));
  return floorDiv(x, y);
}

/**
 * The sizes of the Dim `j` (RETURNN `Dim.complete_dyn_size`): a Dim with
 * `base` as its description gives `baseSizes` (int32 `[batch]` lengths, or a
 * number such as the padded length), a static Dim its size, a derived Dim
 * its op (`add`, `mul`, `floordiv`, `truediv`, `ceildiv` and their `_left`
 * forms, left to right over its inputs as RETURNN folds them; `add` with a
 * negative operand clipped at 0) on its inputs' sizes.
 *
 * Returns int32 tensors of `baseSizes`' shape when it is a tensor, else a number.
 * @throws LayerArgumentError for a dynamic Dim other than `base` in the tree.
 */
export function derivedDimSizes(j: DimJson, base: string, baseSizes: Size): Size {
  const sizeOf = (x: DimJson | number): Size => {
    if (typeof x === 'number') return x;
    if (x.dim === base) return baseSizes;
    if (x.size !== null) return x.size;
    if (!x.derived) throw new LayerArgumentError(`Dim '${j.dim}' is computed from the dynamic Dim '${x.dim}', whose sizes are not known here (only those of '${base}').`);
    const [a, b] = x.derived.inputs.map(sizeOf) as [Size, Size];
    return binOp(x.derived.op, a, b);
  };
  return sizeOf(j);
}
