import { BackendCapabilityError, type Tensor } from '@strata/backend';
import type { OnnxValue } from '@strata/onnx';
import { GradAccumulator } from './accumulate.js';
import type { GradOps } from './grad-ops.js';
import { GRAD_RULES } from './rules.js';
import type { Tape } from './tape.js';

/**
 * Reverse-mode differentiation of a recorded graph: `d value / d w` for each
 * of `wrt`, built as more ops of the same graph (through `b`, while no tape
 * records). Only ops on a path from some `w` to `value` are differentiated;
 * gradients of a value used several times are summed (slices' gradients
 * assembled into one tensor, see {@link GradAccumulator}). A `w` that
 * `value` does not depend on gets zeros.
 *
 * @throws BackendCapabilityError naming the op if an op on such a path has no rule.
 */
export function backward(tape: Tape, value: OnnxValue, wrt: readonly OnnxValue[], b: GradOps): Tensor[] {
  const depends = new Set<OnnxValue>(wrt);
  for (const e of tape.entries) {
    if (e.inputs.some((i) => depends.has(i))) depends.add(e.output);
  }
  const grads = new GradAccumulator(b);
  if (depends.has(value)) grads.add(value, b.fill(value.shape, 1));
  for (let k = tape.entries.length - 1; k >= 0; k--) {
    const e = tape.entries[k]!;
    if (!e.inputs.some((i) => depends.has(i) && i.dtype === 'float32')) continue;
    const dy = grads.take(e.output);
    if (!dy) continue;
    const rule = GRAD_RULES[e.op];
    if (!rule) {
      throw new BackendCapabilityError({ backend: 'onnxruntime', op: `gradient of '${e.op}'`, remedy: 'This op has no gradient rule on onnxruntime; train this model on tfjs.' });
    }
    const dxs = rule({ dy, inputs: e.inputs, output: e.output, attrs: e.attrs, b });
    e.inputs.forEach((x, i) => {
      const dx = dxs[i];
      if (dx && depends.has(x) && x.dtype === 'float32') grads.add(x, dx);
    });
  }
  const done = new Map<OnnxValue, Tensor>();
  return wrt.map((w) => {
    let g = done.get(w);
    if (!g) done.set(w, (g = grads.take(w) ?? b.fill(w.shape, 0)));
    return g;
  });
}
