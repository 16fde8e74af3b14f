/**
 * Lowerings that only gradients need: ops the `Backend` contract does not
 * name, because no layer calls them forward, but whose ONNX form is much
 * faster (or exact where a contract-op composition is not) than building the
 * same from contract ops. Used by reverse-mode differentiation of recorded
 * graphs (`@strata/backend-onnxruntime`'s autodiff). All take and return
 * NHWC/HWIO like the contract; static shapes only.
 */
import { type Conv2dOptions, formatShape, type Pool2dOptions, ShapeError } from '@strata/backend';
import { type GraphBuilder, intAttr, intsAttr, type OnnxValue } from '../graph.js';
import { windowAxis } from './linalg.js';
import { transpose } from './shape.js';

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function staticShape(x: OnnxValue, what: string): number[] {
  if (!x.dims.every((d) => typeof d === 'number')) {
    throw new ShapeError(`${what}: gradients need static shapes; got ${formatShape(x.shape)} with symbolic axes.`);
  }
  return x.shape;
}

/** The input size along one axis that a `ConvTranspose` without `output_padding` gives for `out` windows. */
function transposedSize(out: number, stride: number, k: number, dilation: number, pads: [number, number]): number {
  return stride * (out - 1) + (k - 1) * dilation + 1 - pads[0] - pads[1];
}

/** `x` broadcast (numpy rules) to `shape` (ONNX `Expand`). */
export function expand(g: GraphBuilder, x: OnnxValue, shape: readonly number[]): OnnxValue {
  return g.op('Expand', [x, g.int64s(shape)], {}, { shape, dtype: x.dtype, dims: shape });
}

/**
 * The gradient of `conv2d(x, filter, o)` with respect to `x`: `dy`
 * (`[batch, outH, outW, outChannels]`) through ONNX `ConvTranspose` with the
 * same weights, strides, dilations and pads, and `output_padding` chosen so
 * the result has `x`'s `[batch, height, width, inChannels]` exactly.
 */
export function conv2dBackpropInput(g: GraphBuilder, dy: OnnxValue, f: OnnxValue, xShape: readonly number[], o: Conv2dOptions = {}): OnnxValue {
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const padding = o.padding ?? 'valid';
  const [, kh, kw] = [0, f.shape[0]!, f.shape[1]!];
  const h = windowAxis(xShape[1]!, kh, sh, dh, padding);
  const w = windowAxis(xShape[2]!, kw, sw, dw, padding);
  const oph = xShape[1]! - transposedSize(h.out, sh, kh, dh, h.pads);
  const opw = xShape[2]! - transposedSize(w.out, sw, kw, dw, w.pads);
  const wc = transpose(g, f, [3, 2, 0, 1]);
  const y = g.op(
    'ConvTranspose',
    [transpose(g, dy, NHWC_TO_NCHW), wc],
    {
      kernel_shape: intsAttr([kh, kw]),
      strides: intsAttr([sh, sw]),
      dilations: intsAttr([dh, dw]),
      pads: intsAttr([h.pads[0], w.pads[0], h.pads[1], w.pads[1]]),
      output_padding: intsAttr([oph, opw]),
    },
    { shape: [xShape[0]!, xShape[3]!, xShape[1]!, xShape[2]!], dtype: dy.dtype, dims: [xShape[0]!, xShape[3]!, xShape[1]!, xShape[2]!] },
  );
  return transpose(g, y, NCHW_TO_NHWC);
}

/**
 * The gradient of `conv2d(x, filter, o)` with respect to the HWIO filter,
 * `dW[kh, kw, ci, co] = Σ_{n, oh, ow} xpad[n, oh·s + kh·d, ow·s + kw·d, ci] · dy[n, oh, ow, co]`,
 * as one matrix product: the `KH·KW` strided windows of the padded input
 * (ONNX `Slice` with steps) joined into an im2col matrix `[N·OH·OW, KH·KW·Ci]`,
 * transposed, times `dy` as `[N·OH·OW, Co]` (`Gemm`). Measured on
 * onnxruntime 1.30 CPU (MNIST CNN shapes): about 1.8x the forward conv's
 * time, where a `Conv` whose kernel is `dy` (large kernel, few output
 * positions) takes about 2.3x.
 */
export function conv2dBackpropFilter(g: GraphBuilder, x: OnnxValue, dy: OnnxValue, fShape: readonly number[], o: Conv2dOptions = {}): OnnxValue {
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const padding = o.padding ?? 'valid';
  const xs = staticShape(x, 'conv2dBackpropFilter');
  const [kh, kw, ci, co] = fShape as [number, number, number, number];
  const [n, H, W] = xs as [number, number, number, number];
  const h = windowAxis(H, kh, sh, dh, padding);
  const w = windowAxis(W, kw, sw, dw, padding);
  const padded =
    h.pads[0] + h.pads[1] + w.pads[0] + w.pads[1] === 0
      ? x.name
      : g.node('Pad', [x.name, g.int64s([0, h.pads[0], w.pads[0], 0, 0, h.pads[1], w.pads[1], 0])])[0]!;
  const windows: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [win] = g.node('Slice', [
        padded,
        g.int64s([i * dh, j * dw]),
        g.int64s([i * dh + (h.out - 1) * sh + 1, j * dw + (w.out - 1) * sw + 1]),
        g.int64s([1, 2]),
        g.int64s([sh, sw]),
      ]);
      windows.push(win!);
    }
  }
  // im2col, NHWC: [N, OH, OW, KH·KW·Ci] with the taps in HWI order, then one GEMM (transA).
  const m = n * h.out * w.out;
  const [cols] = windows.length === 1 ? windows : g.node('Concat', windows, { axis: intAttr(3) });
  const [colsFlat] = g.node('Reshape', [cols!, g.int64s([m, kh * kw * ci])]);
  const [dyFlat] = g.node('Reshape', [dy.name, g.int64s([m, co])]);
  const [prod] = g.node('Gemm', [colsFlat!, dyFlat!], { transA: intAttr(1) });
  const out = [kh, kw, ci, co];
  return g.op('Reshape', [prod!, g.int64s(out)], {}, { shape: out, dtype: x.dtype, dims: out });
}

/**
 * The gradient of `maxPool2d(x, o)`: each window's `dy` goes to the position
 * of its maximum (the first one on ties, as TF and tfjs do), summed where
 * windows overlap. ONNX `MaxPool` with its `Indices` output, then
 * `ScatterElements(reduction = add)` into zeros of `x`'s size. (Measured:
 * an `ArgMax` over each tiling window's taps, with the two 6-D transposes it
 * needs, is slower on onnxruntime 1.30 CPU than this.)
 */
export function maxPool2dGrad(g: GraphBuilder, x: OnnxValue, dy: OnnxValue, o: Pool2dOptions): OnnxValue {
  const xs = staticShape(x, 'maxPool2dGrad');
  const [kh, kw] = o.poolSize;
  const [sh, sw] = o.strides ?? o.poolSize;
  const padding = o.padding ?? 'valid';
  const h = windowAxis(xs[1]!, kh, sh, 1, padding);
  const w = windowAxis(xs[2]!, kw, sw, 1, padding);
  const xc = transpose(g, x, NHWC_TO_NCHW);
  const [, indices] = g.node(
    'MaxPool',
    [xc.name],
    { kernel_shape: intsAttr([kh, kw]), strides: intsAttr([sh, sw]), pads: intsAttr([h.pads[0], w.pads[0], h.pads[1], w.pads[1]]) },
    2,
  );
  const n = xs.reduce((a, d) => a * d, 1);
  const [flatIdx] = g.node('Reshape', [indices!, g.int64s([-1])]);
  const [flatDy] = g.node('Reshape', [transpose(g, dy, NHWC_TO_NCHW).name, g.int64s([-1])]);
  const [zeros] = g.node('ConstantOfShape', [g.int64s([n])]);
  const [scattered] = g.node('ScatterElements', [zeros!, flatIdx!, flatDy!], { axis: intAttr(0), reduction: { type: 'string', value: 'add' } });
  const nchw = [xs[0]!, xs[3]!, xs[1]!, xs[2]!];
  const y = g.op('Reshape', [scattered!, g.int64s(nchw)], {}, { shape: nchw, dtype: x.dtype, dims: nchw });
  return transpose(g, y, NCHW_TO_NHWC);
}

/**
 * The gradient of `avgPool2d(x, o)` (TF semantics: `same` windows divide
 * by their real taps): `dy` divided by each window's tap count, then spread
 * over the window by a depthwise ONNX `ConvTranspose` with a ones kernel.
 */
export function avgPool2dGrad(g: GraphBuilder, xShape: readonly number[], dy: OnnxValue, o: Pool2dOptions): OnnxValue {
  const [n, H, W, c] = xShape as [number, number, number, number];
  const [kh, kw] = o.poolSize;
  const [sh, sw] = o.strides ?? o.poolSize;
  const padding = o.padding ?? 'valid';
  const h = windowAxis(H, kh, sh, 1, padding);
  const w = windowAxis(W, kw, sw, 1, padding);
  const taps = (out: number, size: number, k: number, s: number, before: number) =>
    Array.from({ length: out }, (_, i) => Math.min(size, i * s - before + k) - Math.max(0, i * s - before));
  const th = taps(h.out, H, kh, sh, h.pads[0]);
  const tw = taps(w.out, W, kw, sw, w.pads[0]);
  const inv = new Float32Array(h.out * w.out);
  th.forEach((a, i) => tw.forEach((b, j) => (inv[i * w.out + j] = 1 / (a * b))));
  const scaled = g.node('Mul', [transpose(g, dy, NHWC_TO_NCHW).name, g.constant(inv, [1, 1, h.out, w.out], 'float32')])[0]!;
  const ones = g.constant(new Float32Array(c * kh * kw).fill(1), [c, 1, kh, kw], 'float32');
  const y = g.op(
    'ConvTranspose',
    [scaled, ones],
    {
      group: intAttr(c),
      kernel_shape: intsAttr([kh, kw]),
      strides: intsAttr([sh, sw]),
      pads: intsAttr([h.pads[0], w.pads[0], h.pads[1], w.pads[1]]),
      output_padding: intsAttr([H - transposedSize(h.out, sh, kh, 1, h.pads), W - transposedSize(w.out, sw, kw, 1, w.pads)]),
    },
    { shape: [n, c, H, W], dtype: dy.dtype, dims: [n, c, H, W] },
  );
  return transpose(g, y, NCHW_TO_NHWC);
}

/**
 * The gradient of `gather(x, indices, axis)` with respect to `x`: the rows
 * of `dy` added into zeros of `xShape` at `indices` (repeated indices add),
 * by ONNX `ScatterND(reduction = add)` with `axis` moved to the front.
 */
export function gatherGrad(g: GraphBuilder, xShape: readonly number[], indices: OnnxValue, dy: OnnxValue, axis: number): OnnxValue {
  const r = xShape.length;
  const a = axis < 0 ? axis + r : axis;
  const ir = indices.shape.length;
  const k = indices.shape.reduce((p, d) => p * d, 1);
  // dy: [x[:a], idx..., x[a+1:]] → [idx..., x[:a], x[a+1:]] → [k, rest]
  const dyPerm = [...Array.from({ length: ir }, (_, i) => a + i), ...Array.from({ length: a }, (_, i) => i), ...Array.from({ length: r - a - 1 }, (_, i) => a + ir + i)];
  const rest = [...xShape.slice(0, a), ...xShape.slice(a + 1)];
  const dyT = transpose(g, dy, dyPerm);
  const [updates] = g.node('Reshape', [dyT.name, g.int64s([k, ...rest])]);
  const [idx64] = g.node('Cast', [indices.name], { to: intAttr(7) });
  const [idx] = g.node('Reshape', [idx64!, g.int64s([k, 1])]);
  const front = [xShape[a]!, ...rest];
  const [zeros] = g.node('ConstantOfShape', [g.int64s(front)]);
  const scattered = g.op('ScatterND', [zeros!, idx!, updates!], { reduction: { type: 'string', value: 'add' } }, { shape: front, dtype: dy.dtype, dims: front });
  // [x[a], x[:a], x[a+1:]] → x's axis order
  const back = [...Array.from({ length: a }, (_, i) => i + 1), 0, ...Array.from({ length: r - a - 1 }, (_, i) => a + 1 + i)];
  return transpose(g, scattered, back);
}

