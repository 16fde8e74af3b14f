import { type Conv2dOptions, formatShape, type Padding, type Pool2dOptions, ShapeError } from '@strata/backend';
import { broadcastDims, isStatic, type SymDim } from '../dims.js';
import { type GraphBuilder, intAttr, intsAttr, type OnnxValue } from '../graph.js';
import { transpose } from './shape.js';

/**
 * Batched matrix product over the last two axes with optional transposes
 * (ONNX `Transpose` + `MatMul`; onnxruntime fuses them into `Gemm`/`FusedMatMul`).
 * Leading (batch) axes broadcast.
 *
 * @throws ShapeError if ranks are below 2 or the inner sizes differ.
 */
export function matMul(g: GraphBuilder, a: OnnxValue, b: OnnxValue, transposeA: boolean, transposeB: boolean): OnnxValue {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new ShapeError(`matMul needs rank ≥ 2 operands; got ${formatShape(a.shape)} and ${formatShape(b.shape)}.`);
  }
  const swap = (x: OnnxValue) => transpose(g, x, [...x.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));
  const x = transposeA ? swap(a) : a;
  const y = transposeB ? swap(b) : b;
  const k1 = x.shape[x.shape.length - 1];
  const k2 = y.shape[y.shape.length - 2];
  if (k1 !== k2) {
    throw new ShapeError(`matMul: inner sizes differ: ${formatShape(x.shape)} x ${formatShape(y.shape)} (after transposes).`);
  }
  const lead = broadcastDims(x.shape.slice(0, -2), x.dims.slice(0, -2), y.shape.slice(0, -2), y.dims.slice(0, -2));
  return g.op('MatMul', [x, y], {}, {
    shape: [...lead.shape, x.shape[x.shape.length - 2]!, y.shape[y.shape.length - 1]!],
    dtype: a.dtype,
    dims: [...lead.dims, x.dims[x.dims.length - 2]!, y.dims[y.dims.length - 1]!],
  });
}

/** Output size and `[before, after]` padding of one spatial axis, TF/Keras semantics (extra padding after). */
export function windowAxis(size: number, k: number, stride: number, dilation: number, padding: Padding) {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, pads: [0, 0] as [number, number] };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return { out, pads: [before, total - before] as [number, number] };
}

function spatialDim(d: SymDim, out: number, stride: number, padding: Padding): SymDim {
  if (isStatic(d)) return out;
  return padding === 'same' && stride === 1 ? d : 'unknown';
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/**
 * 2-D convolution, NHWC input and HWIO filter as in the contract, lowered to
 * ONNX `Conv` (NCHW, OIHW) between `Transpose`s, with explicit `pads`
 * computed like TF's `SAME` (onnxruntime's layout optimizer removes the
 * transposes where it can).
 *
 * @throws ShapeError if channels differ or the window is larger than the input.
 */
export function conv2d(g: GraphBuilder, x: OnnxValue, f: OnnxValue, o: Conv2dOptions = {}): OnnxValue {
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const padding = o.padding ?? 'valid';
  if (x.shape.length !== 4 || f.shape.length !== 4 || x.shape[3] !== f.shape[2]) {
    throw new ShapeError(`conv2d: input ${formatShape(x.shape)} (NHWC) and filter ${formatShape(f.shape)} (HWIO) do not fit: channels must agree.`);
  }
  const h = windowAxis(x.shape[1]!, f.shape[0]!, sh, dh, padding);
  const w = windowAxis(x.shape[2]!, f.shape[1]!, sw, dw, padding);
  if (h.out <= 0 || w.out <= 0) {
    throw new ShapeError(`conv2d: filter ${formatShape(f.shape)} is larger than input ${formatShape(x.shape)} with 'valid' padding.`);
  }
  const xc = transpose(g, x, NHWC_TO_NCHW);
  const fc = transpose(g, f, [3, 2, 0, 1]);
  const y = g.op(
    'Conv',
    [xc, fc],
    {
      kernel_shape: intsAttr([f.shape[0]!, f.shape[1]!]),
      strides: intsAttr([sh, sw]),
      dilations: intsAttr([dh, dw]),
      pads: intsAttr([h.pads[0], w.pads[0], h.pads[1], w.pads[1]]),
    },
    {
      shape: [x.shape[0]!, f.shape[3]!, h.out, w.out],
      dtype: x.dtype,
      dims: [x.dims[0]!, f.shape[3]!, spatialDim(x.dims[1]!, h.out, sh, padding), spatialDim(x.dims[2]!, w.out, sw, padding)],
    },
  );
  return transpose(g, y, NCHW_TO_NHWC);
}

/**
 * Max or average pooling over `[height, width]` of an NHWC tensor (ONNX
 * `MaxPool` / `AveragePool` with `count_include_pad = 0`, so `same` average
 * pooling divides by the number of real taps, as TF does).
 */
export function pool2d(g: GraphBuilder, kind: 'max' | 'avg', x: OnnxValue, o: Pool2dOptions): OnnxValue {
  if (x.shape.length !== 4) throw new ShapeError(`${kind}Pool2d: input must be NHWC (rank 4); got ${formatShape(x.shape)}.`);
  const [kh, kw] = o.poolSize;
  const [sh, sw] = o.strides ?? o.poolSize;
  const padding = o.padding ?? 'valid';
  const h = windowAxis(x.shape[1]!, kh, sh, 1, padding);
  const w = windowAxis(x.shape[2]!, kw, sw, 1, padding);
  if (h.out <= 0 || w.out <= 0) throw new ShapeError(`${kind}Pool2d: window ${kh}x${kw} is larger than input ${formatShape(x.shape)}.`);
  const attrs = {
    kernel_shape: intsAttr([kh, kw]),
    strides: intsAttr([sh, sw]),
    pads: intsAttr([h.pads[0], w.pads[0], h.pads[1], w.pads[1]]),
    ...(kind === 'avg' ? { count_include_pad: intAttr(0) } : {}),
  };
  const xc = transpose(g, x, NHWC_TO_NCHW);
  const y = g.op(kind === 'max' ? 'MaxPool' : 'AveragePool', [xc], attrs, {
    shape: [x.shape[0]!, x.shape[3]!, h.out, w.out],
    dtype: x.dtype,
    dims: [x.dims[0]!, x.dims[3]!, spatialDim(x.dims[1]!, h.out, sh, padding), spatialDim(x.dims[2]!, w.out, sw, padding)],
  });
  return transpose(g, y, NCHW_TO_NHWC);
}
