import { BackendCapabilityError, type Tensor } from '@strata/backend';
import type { OnnxValue } from '@strata/onnx';
import type { GradOps } from './grad-ops.js';
import { GRAD_RULES } from './rules.js';
import type { Tape } from './tape.js';

/**
 * Reverse-mode differentiation of a recorded graph: `d value / d w` for each
 * of `wrt`, built as more ops of the same graph (through `b`, while no tape
 * records). Only ops on a path from some `w` to `value` are differentiated;
 * gradients of a value used several times are summed. A `w` that `value`
 * does not depend on gets zeros.
 *
 * @throws BackendCapabilityError naming the op if an op on such a path has no rule.
 */
export function backward(tape: Tape, value: OnnxValue, wrt: readonly OnnxValue[], b: GradOps): Tensor[] {
  const depends = new Set<OnnxValue>(wrt);
  for (const e of tape.entries) {
    if (e.inputs.some((i) => depends.has(i))) depends.add(e.output);
  }
  const grads = new Map<OnnxValue, Tensor>();
  if (depends.has(value)) grads.set(value, b.fill(value.shape, 1));
  for (let k = tape.entries.length - 1; k >= 0; k--) {
    const e = tape.entries[k]!;
    const dy = grads.get(e.output);
    if (!dy) continue;
    if (!e.inputs.some((i) => depends.has(i) && i.dtype === 'float32')) continue;
    const rule = GRAD_RULES[e.op];
    if (!rule) {
      throw new BackendCapabilityError('onnxruntime', `gradient of '${e.op}'`, 'This op has no gradient rule on onnxruntime; train this model on tfjs.');
    }
    const dxs = rule({ dy, inputs: e.inputs, output: e.output, attrs: e.attrs, b });
    e.inputs.forEach((x, i) => {
      const dx = dxs[i];
      if (!dx || !depends.has(x) || x.dtype !== 'float32') return;
      const prev = grads.get(x);
      grads.set(x, prev ? b.add(prev, dx) : dx);
    });
  }
  return wrt.map((w) => grads.get(w) ?? b.fill(w.shape, 0));
}
