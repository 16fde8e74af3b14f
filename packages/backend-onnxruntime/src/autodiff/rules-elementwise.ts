import type { GradRule } from './rule.js';
import { sumTo } from './sum-to.js';

const none: GradRule = ({ inputs }) => inputs.map(() => null);

/** Gradients of the elementwise ops (binary ones undo numpy broadcasting with {@link sumTo}). */
export const ELEMENTWISE_RULES: Record<string, GradRule> = {
  add: ({ dy, inputs: [a, c], b }) => [sumTo(b, dy, a!.shape), sumTo(b, dy, c!.shape)],
  sub: ({ dy, inputs: [a, c], b }) => [sumTo(b, dy, a!.shape), sumTo(b, b.neg(dy), c!.shape)],
  mul: ({ dy, inputs: [a, c], b }) => [sumTo(b, b.mul(dy, c!), a!.shape), sumTo(b, b.mul(dy, a!), c!.shape)],
  div: ({ dy, inputs: [a, c], b }) => [
    sumTo(b, b.div(dy, c!), a!.shape),
    sumTo(b, b.neg(b.div(b.mul(dy, a!), b.square(c!))), c!.shape),
  ],
  // d a^c / d a = c a^(c-1);  d a^c / d c = a^c log a (0 where a <= 0, as tfjs).
  pow: ({ dy, inputs: [a, c], output, b }) => [
    sumTo(b, b.mul(dy, b.mul(c!, b.pow(a!, b.sub(c!, b.scalar(1))))), a!.shape),
    sumTo(b, b.mul(dy, b.mul(output, b.where(b.greater(a!, b.scalar(0)), b.log(a!), b.scalar(0)))), c!.shape),
  ],
  // tfjs: a gets dy where a >= b, b where a < b.
  maximum: ({ dy, inputs: [a, c], b }) => {
    const lt = b.less(a!, c!);
    return [sumTo(b, b.where(lt, b.scalar(0), dy), a!.shape), sumTo(b, b.where(lt, dy, b.scalar(0)), c!.shape)];
  },
  // tfjs: a gets dy where a <= b, b where a > b.
  minimum: ({ dy, inputs: [a, c], b }) => {
    const gt = b.greater(a!, c!);
    return [sumTo(b, b.where(gt, b.scalar(0), dy), a!.shape), sumTo(b, b.where(gt, dy, b.scalar(0)), c!.shape)];
  },
  where: ({ dy, inputs: [cond, a, c], b }) => [
    null,
    sumTo(b, b.where(cond!, dy, b.scalar(0)), a!.shape),
    sumTo(b, b.where(cond!, b.scalar(0), dy), c!.shape),
  ],
  equal: none,
  greater: none,
  less: none,
  neg: ({ dy, b }) => [b.neg(dy)],
  // tfjs: sign with step(x, -1), i.e. -1 at 0.
  abs: ({ dy, inputs: [x], b }) => [b.where(b.greater(x!, b.scalar(0)), dy, b.neg(dy))],
  exp: ({ dy, output, b }) => [b.mul(dy, output)],
  log: ({ dy, inputs: [x], b }) => [b.div(dy, x!)],
  sqrt: ({ dy, output, b }) => [b.div(dy, b.mul(output, b.scalar(2)))],
  square: ({ dy, inputs: [x], b }) => [b.mul(dy, b.mul(x!, b.scalar(2)))],
  relu: ({ dy, inputs: [x], b }) => [b.where(b.greater(x!, b.scalar(0)), dy, b.scalar(0))],
  sigmoid: ({ dy, output, b }) => [b.mul(dy, b.mul(output, b.sub(b.scalar(1), output)))],
  tanh: ({ dy, output, b }) => [b.mul(dy, b.sub(b.scalar(1), b.square(output)))],
  elu: ({ dy, inputs: [x], output, b }) => [b.where(b.greater(x!, b.scalar(0)), dy, b.mul(dy, b.add(output, b.scalar(1))))],
  softplus: ({ dy, inputs: [x], b }) => [b.mul(dy, b.sigmoid(x!))],
  cast: ({ dy, inputs: [x], output }) => [x!.dtype === 'float32' && output.dtype === 'float32' ? dy : null],
  stopGradient: none,
};
