// Property test: computeOutputShape (what a network checks before computing)
// agrees with the shape of the computed output, for random configurations.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Layer } from '../layer.js';
import { Rng } from '../rng.js';
import { randomTensor, useBackend } from '../test-utils/setup.js';
import { Combine } from './combine.js';
import { Conv2D } from './conv2d.js';
import { Copy } from './copy.js';
import { Flatten } from './merge-dims.js';
import { Pool2D } from './pool2d.js';
import { Reshape, SplitDims } from './split-dims.js';

beforeAll(() => useBackend('tfjs-cpu'));

function check(layer: Layer, shapes: number[][]): void {
  const xs = shapes.map((s, i) => randomTensor(s, i + 1));
  const y = layer.apply(xs.length === 1 ? xs[0]! : xs);
  const symbolic = shapes.map((s) => [null, ...s.slice(1)]);
  const predicted = layer.computeOutputShape(symbolic.length === 1 ? symbolic[0]! : symbolic);
  expect([null, ...y.shape.slice(1)]).toEqual(predicted);
}

describe('computeOutputShape matches the computed output', () => {
  it('Conv2D and Pool2D over 150 random configurations', () => {
    const rng = new Rng(2024);
    const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)]!;
    for (let n = 0; n < 150; n++) {
      const k: [number, number] = [1 + rng.int(4), 1 + rng.int(4)];
      const dilated = rng.uniform() < 0.3;
      const d: [number, number] = dilated ? [1 + rng.int(2), 2] : [1, 1];
      const s: [number, number] = dilated ? [1, 1] : [1 + rng.int(3), 1 + rng.int(3)];
      const padding = pick(['same', 'valid'] as const);
      const h = (k[0] - 1) * d[0] + 1 + rng.int(6);
      const w = (k[1] - 1) * d[1] + 1 + rng.int(6);
      const shape = [1 + rng.int(2), h, w, 1 + rng.int(3)];
      check(new Conv2D({ filters: 1 + rng.int(3), kernelSize: k, strides: s, dilationRate: d, padding }), [shape]);
      check(new Pool2D({ mode: pick(['max', 'avg'] as const), poolSize: k, strides: dilated ? undefined : s, padding }), [shape]);
    }
  });

  it('Flatten, SplitDims, Reshape, Copy, Combine', () => {
    check(new Flatten(), [[2, 3, 4, 5]]);
    check(new SplitDims({ dims: [-1, 4] }), [[3, 2, 12]]);
    check(new SplitDims({ dims: [3, -1], axis: -2 }), [[2, 12, 5]]);
    check(new Reshape({ targetShape: [-1, 2, 3] }), [[2, 4, 9]]);
    check(new Copy(), [[2, 3, 1], [2, 3, 4]]);
    check(new Combine({ kind: 'maximum' }), [[2, 1, 4], [3, 1], [2, 3, 4]]);
  });
});
