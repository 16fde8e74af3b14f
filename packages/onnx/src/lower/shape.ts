import { BackendCapabilityError, formatShape, ShapeError, sizeOf } from '@strata/backend';
import { dimsEqual, divDims, isStatic, prodDims, type SymDim } from '../dims.js';
import { type GraphBuilder, intAttr, intsAttr, type OnnxValue } from '../graph.js';
import { normAxis } from './reduce.js';

/** ONNX `Transpose`: output axis `i` is input axis `perm[i]`. */
export function transpose(g: GraphBuilder, x: OnnxValue, perm: readonly number[]): OnnxValue {
  if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new ShapeError(`transpose: perm [${perm.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}.`);
  }
  return g.op('Transpose', [x], { perm: intsAttr(perm) }, {
    shape: perm.map((p) => x.shape[p]!),
    dtype: x.dtype,
    dims: perm.map((p) => x.dims[p]!),
  });
}

/**
 * ONNX `Reshape`. The target is given in concrete sizes (those of the traced
 * example, one `-1` allowed); where the input has symbolic axes, each target
 * axis is matched to the symbolic size it stands for (same axis unchanged,
 * an input axis or symbol of equal size, or what is left of the input's
 * size), and the shape is computed at run time.
 *
 * @throws ShapeError if the sizes differ; BackendCapabilityError if a
 *   symbolic target cannot be resolved.
 */
export function reshape(g: GraphBuilder, x: OnnxValue, target: readonly number[]): OnnxValue {
  const size = sizeOf(x.shape);
  const known = target.filter((t) => t !== -1);
  const inferred = target.length - known.length;
  const knownSize = sizeOf(known);
  if (inferred > 1 || (inferred === 1 ? knownSize === 0 || size % knownSize !== 0 : knownSize !== size)) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (size ${size}) to [${target.join(', ')}].`);
  }
  const shape = target.map((t) => (t === -1 ? size / knownSize : t));
  if (x.dims.every(isStatic)) {
    return g.op('Reshape', [x, g.int64s(shape)], {}, { shape, dtype: x.dtype, dims: shape });
  }
  const dims = resolveDims(g, x, shape);
  const vector = dims.map((d, i) => (isStatic(d) ? d : i < x.dims.length && dimsEqual(d, x.dims[i]!) ? 0 : d));
  const open = vector.filter((d) => !isStatic(d));
  if (open.length === 1) vector[vector.indexOf(open[0]!)] = -1;
  return g.op('Reshape', [x, g.shapeTensor(vector)], {}, { shape, dtype: x.dtype, dims });
}

function resolveDims(g: GraphBuilder, x: OnnxValue, shape: number[]): SymDim[] {
  const candidates: [number, SymDim][] = [
    ...x.dims.flatMap((d, i): [number, SymDim][] => (isStatic(d) || d === 'unknown' ? [] : [[x.shape[i]!, d]])),
    ...g.symbolSizes(),
  ];
  const dims: SymDim[] = shape.map((s, i) => {
    const same = x.dims[i];
    if (same !== undefined && !isStatic(same) && same !== 'unknown' && x.shape[i] === s) return same;
    return candidates.find(([v]) => v === s)?.[1] ?? s;
  });
  const total = prodDims(x.dims);
  if (dimsEqual(prodDims(dims), total) || (isStatic(total) && isStatic(prodDims(dims)))) return dims;
  for (let j = 0; j < dims.length; j++) {
    if (!isStatic(dims[j]!)) continue;
    const rest = divDims(total, prodDims(dims.filter((_, i) => i !== j)));
    if (rest !== undefined && !isStatic(rest)) {
      dims[j] = rest;
      return dims;
    }
  }
  throw new BackendCapabilityError({
    backend: 'onnx',
    op: `reshape of ${formatShape(x.shape)} to ${formatShape(shape)}`,
    remedy: 'The target shape cannot be expressed in terms of the dynamic axes of the graph inputs. Export with static sizes for those axes, or reshape with -1 on the dynamic axis.',
  });
}

/** ONNX `Concat` along `axis`; other axes must agree. */
export function concat(g: GraphBuilder, xs: OnnxValue[], axis: number): OnnxValue {
  if (xs.length === 0) throw new ShapeError('concat: needs at least one tensor.');
  const first = xs[0]!;
  const a = normAxis(axis, first.shape.length, 'concat');
  for (const x of xs) {
    if (x.shape.length !== first.shape.length || x.shape.some((s, i) => i !== a && s !== first.shape[i])) {
      throw new ShapeError(`concat along axis ${axis}: shapes ${xs.map((v) => formatShape(v.shape)).join(', ')} differ on another axis.`);
    }
  }
  const along = xs.map((x) => x.dims[a]!);
  const shape = first.shape.map((s, i) => (i === a ? xs.reduce((n, x) => n + x.shape[a]!, 0) : s));
  const dims = first.dims.map((d, i) => (i !== a ? d : along.length === 1 ? along[0]! : along.every(isStatic) ? shape[a]! : 'unknown'));
  if (xs.length === 1) return g.op('Identity', [first], {}, { shape, dtype: first.dtype, dims });
  return g.op('Concat', xs, { axis: intAttr(a) }, { shape, dtype: first.dtype, dims });
}

const END = Number.MAX_SAFE_INTEGER;

/** ONNX `Slice`: the block from `begin` with `size` per axis (`-1`: to the end). */
export function slice(g: GraphBuilder, x: OnnxValue, begin: readonly number[], size: readonly number[]): OnnxValue {
  const rank = x.shape.length;
  if (begin.length !== rank || size.length !== rank) {
    throw new ShapeError(`slice: begin [${begin.join(', ')}] and size [${size.join(', ')}] need one entry per axis of ${formatShape(x.shape)}.`);
  }
  const shape = x.shape.map((s, i) => (size[i] === -1 ? s - begin[i]! : size[i]!));
  if (shape.some((s, i) => s < 0 || begin[i]! < 0 || begin[i]! + s > x.shape[i]!)) {
    throw new ShapeError(`slice: begin [${begin.join(', ')}], size [${size.join(', ')}] is outside ${formatShape(x.shape)}.`);
  }
  const dims = x.dims.map((d, i) => (size[i] !== -1 ? size[i]! : begin[i] === 0 ? d : isStatic(d) ? shape[i]! : 'unknown'));
  const ends = size.map((s, i) => (s === -1 ? END : begin[i]! + s));
  return g.op('Slice', [x, g.int64s(begin), g.int64s(ends), g.int64s([...begin.keys()])], {}, { shape, dtype: x.dtype, dims });
}

/** ONNX `Pad` (mode `constant`) with `paddings[i] = [before, after]`. */
export function pad(g: GraphBuilder, x: OnnxValue, paddings: readonly (readonly [number, number])[], value: number): OnnxValue {
  if (paddings.length !== x.shape.length || paddings.some(([b, a]) => b < 0 || a < 0)) {
    throw new ShapeError(`pad: need one non-negative [before, after] pair per axis of ${formatShape(x.shape)}.`);
  }
  const shape = x.shape.map((s, i) => s + paddings[i]![0] + paddings[i]![1]);
  const dims = x.dims.map((d, i) => (paddings[i]![0] + paddings[i]![1] === 0 ? d : isStatic(d) ? shape[i]! : 'unknown'));
  const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
  return g.op('Pad', [x, g.int64s(pads), g.scalarConst(value, x.dtype)], { mode: { type: 'string', value: 'constant' } }, { shape, dtype: x.dtype, dims });
}

/** ONNX `Gather` along `axis` with int32 indices: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. */
export function gather(g: GraphBuilder, x: OnnxValue, indices: OnnxValue, axis: number): OnnxValue {
  const a = normAxis(axis, x.shape.length, 'gather');
  if (indices.dtype !== 'int32') throw new ShapeError(`gather: indices must be int32; got ${indices.dtype}.`);
  return g.op('Gather', [x, indices], { axis: intAttr(a) }, {
    shape: [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)],
    dtype: x.dtype,
    dims: [...x.dims.slice(0, a), ...indices.dims, ...x.dims.slice(a + 1)],
  });
}

/**
 * `[...indices.shape, depth]` float32 one-hot of int32 indices, as
 * `Cast(Equal(Unsqueeze(indices, -1), [0 .. depth-1]))` (onnxruntime's
 * `OneHot` kernel lacks the int32 → float32 type combination). Indices
 * outside `[0, depth)` give all-zero rows, as on tfjs.
 */
export function oneHot(g: GraphBuilder, indices: OnnxValue, depth: number): OnnxValue {
  const range = g.constant(Int32Array.from({ length: depth }, (_, i) => i), [depth], 'int32');
  const shape = [...indices.shape, depth];
  const dims = [...indices.dims, depth];
  const [u] = g.node('Unsqueeze', [indices.name, g.int64s([-1])]);
  const [eq] = g.node('Equal', [u!, range]);
  return g.op('Cast', [eq!], { to: intAttr(1) }, { shape, dtype: 'float32', dims });
}
