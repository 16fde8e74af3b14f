import type { Shape } from '@strata/backend';
import type { Rng } from '../rng.js';

/**
 * Makes the initial values of a weight on the host, from an explicit
 * {@link Rng}, so that the same seed gives bit-identical weights on every
 * backend.
 */
export interface Initializer {
  /** Registry name (`glorot_uniform`, `zeros`, ...). */
  readonly className: string;
  /** Row-major float32 values for `shape`. */
  generate(shape: Shape, rng: Rng): Float32Array;
  /** JSON-serialisable description, for `getConfig`. */
  getConfig(): Record<string, unknown>;
}

/**
 * Fan-in and fan-out of a weight shape, as Keras computes them: for `[in, out]`
 * they are `in` and `out`; for a conv kernel `[h, w, in, out]` each is
 * multiplied by the receptive field `h * w`.
 */
export function computeFans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i]!;
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}
