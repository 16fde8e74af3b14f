import type { Conv2dOptions, Pool2dOptions } from '@strata/backend';
import type { GradRule } from './rule.js';
import { sumTo } from './sum-to.js';

/** Gradients of matMul, conv2d and pooling. */
export const LINALG_RULES: Record<string, GradRule> = {
  matMul: ({ dy, inputs: [a, c], attrs, b }) => {
    const tA = attrs.transposeA as boolean;
    const tB = attrs.transposeB as boolean;
    // y = op(a) op(c): the four cases of (transposeA, transposeB).
    const da = !tA ? b.matMul(dy, c!, false, !tB) : b.matMul(c!, dy, tB, true);
    const dc = !tB ? b.matMul(a!, dy, !tA, false) : b.matMul(dy, a!, true, tA);
    return [sumTo(b, da, a!.shape), sumTo(b, dc, c!.shape)];
  },
  conv2d: ({ dy, inputs: [x, f], attrs, b }) => {
    const o = attrs.options as Conv2dOptions | undefined;
    return [b.conv2dBackpropInput(dy, f!, x!.shape, o), b.conv2dBackpropFilter(x!, dy, f!.shape, o)];
  },
  maxPool2d: ({ dy, inputs: [x], attrs, b }) => [b.maxPool2dGrad(x!, dy, attrs.options as Pool2dOptions)],
  avgPool2d: ({ dy, inputs: [x], attrs, b }) => [b.avgPool2dGrad(x!.shape, dy, attrs.options as Pool2dOptions)],
};
