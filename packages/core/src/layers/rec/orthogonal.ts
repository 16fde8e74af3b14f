import { sizeOf, type Shape } from '@strata/backend';
import { getInitializer, type Initializer, type InitializerSpec, parseReturnnInitializer, ReturnnInitializerError } from '../../initializers/index.js';
import type { Rng } from '../../rng.js';

/**
 * Keras' `Orthogonal` (Saxe et al. 2014), the default recurrent-kernel
 * initializer of Keras and tfjs-layers: the weight, seen as a matrix
 * `[prod(shape[:-1]), shape[-1]]`, gets orthonormal rows or columns
 * (whichever are fewer), times `gain`. Made as Keras does: the QR
 * decomposition of a standard-normal matrix, with the signs fixed so that
 * `R`'s diagonal is positive (here by modified Gram–Schmidt, which gives that
 * directly). For a `[units, gates * units]` recurrent kernel the rows are
 * orthonormal.
 */
export class Orthogonal implements Initializer {
  readonly className = 'orthogonal';
  constructor(readonly gain = 1) {}

  generate(shape: Shape, rng: Rng): Float32Array {
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
    const rows = sizeOf(shape) / Math.max(1, cols);
    // Orthonormalise the columns of a tall [n, m] normal matrix, then lay it out as [rows, cols].
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    const q: Float64Array[] = [];
    for (let j = 0; j < m; j++) {
      const v = Float64Array.from({ length: n }, () => rng.normal());
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i]! -= dot * u[i]!;
      }
      const norm = Math.hypot(...v);
      for (let i = 0; i < n; i++) v[i]! /= norm;
      q.push(v);
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = this.gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
    }
    return out;
  }

  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/**
 * {@link getInitializer} plus `orthogonal` (by name, camelCase name, instance
 * or `{className: 'orthogonal', config: {gain}}`, or RETURNN's `"orthogonal_initializer(gain=2.0)"`), which the shared
 * initializer registry does not list yet.
 */
export function recInitializer(spec: InitializerSpec): Initializer {
  if (spec instanceof Orthogonal) return spec;
  const name = typeof spec === 'string' ? spec : typeof spec === 'number' || 'generate' in spec ? undefined : spec.className;
  const call = typeof spec === 'string' && (spec.includes('(') || spec.toLowerCase().endsWith('_initializer')) ? parseReturnnInitializer(spec) : undefined;
  if (call?.name === 'orthogonal') {
    const gain = call.args.gain;
    if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new ReturnnInitializerError(spec as string, `gain must be a number. Received: gain=${JSON.stringify(gain)}.`);
    return new Orthogonal(gain);
  }
  if (name?.toLowerCase() === 'orthogonal') {
    const gain = typeof spec === 'object' && 'config' in spec ? spec.config.gain : undefined;
    return new Orthogonal(typeof gain === 'number' ? gain : 1);
  }
  return getInitializer(spec);
}
