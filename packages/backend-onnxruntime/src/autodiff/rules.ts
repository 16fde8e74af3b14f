import { ELEMENTWISE_RULES } from './rules-elementwise.js';
import { LINALG_RULES } from './rules-linalg.js';
import { REDUCE_RULES } from './rules-reduce.js';
import type { GradRule } from './rule.js';
import { SHAPE_RULES } from './rules-shape.js';

/**
 * The gradient rule of every differentiable contract op, by op name.
 * `unstack` has none of its own: the graph backend records it as `slice` +
 * `reshape`. `randomUniform`, `tensor`, `fill` make constants or inputs of
 * the graph, which have no gradient.
 */
export const GRAD_RULES: Readonly<Record<string, GradRule>> = {
  ...ELEMENTWISE_RULES,
  ...REDUCE_RULES,
  ...LINALG_RULES,
  ...SHAPE_RULES,
};
