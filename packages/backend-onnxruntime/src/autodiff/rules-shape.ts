import type { Shape } from '@strata/backend';
import type { GradRule } from './rule.js';

/** Gradients of the shape ops. */
export const SHAPE_RULES: Record<string, GradRule> = {
  reshape: ({ dy, inputs: [x], b }) => [b.reshape(dy, x!.shape)],
  transpose: ({ dy, attrs, b }) => {
    const perm = attrs.perm as number[];
    const inverse: number[] = [];
    perm.forEach((p, i) => (inverse[p] = i));
    return [b.transpose(dy, inverse)];
  },
  concat: ({ dy, inputs, attrs, b }) => {
    const rank = dy.shape.length;
    const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank : (attrs.axis as number);
    let at = 0;
    return inputs.map((x) => {
      const begin = dy.shape.map((_, i) => (i === axis ? at : 0));
      at += x.shape[axis]!;
      return b.slice(dy, begin, x.shape);
    });
  },
  // A piece at `begin`: backward builds the pieces of one input into one tensor (see GradPiece).
  slice: ({ dy, attrs }) => [{ piece: dy, begin: attrs.begin as number[] }],
  pad: ({ dy, inputs: [x], attrs, b }) => {
    const paddings = attrs.paddings as [number, number][];
    return [b.slice(dy, paddings.map(([before]) => before), x!.shape as Shape as number[])];
  },
  gather: ({ dy, inputs: [x, indices], attrs, b }) => [b.gatherGrad(x!.shape, indices!, dy, attrs.axis as number), null],
  oneHot: () => [null],
};
