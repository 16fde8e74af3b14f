import { ops } from '@strata/backend';
import { Copy, Data, Dim } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { sourceLens } from './layer-node.js';
import { registerNetDictClass } from './registry.js';

/**
 * Registers net-dict classes that reshape the time axis: `resize` (RETURNN
 * `ResizeLayer` with `kind: "fill"` on the time axis: each frame repeated
 * `factor` times, lengths multiplied), used e.g. to give CTC more frames
 * than labels.
 */
export function registerTimeClasses(): void {
  registerNetDictClass('resize', {
    sources: 'concat',
    options: z.strictObject({ factor: z.number().int().positive(), axis: z.literal('T').optional(), kind: z.literal('fill').optional() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => {
      const src = c.sources[0]!;
      if (!src.shape.includes(null)) throw new NetDictError(`resize '${c.name}': its source '${src.name}' has no time axis.`);
      return new Data({ name: c.name, dims: [new Dim({ description: `${c.name}:time` }), ...src.dims.slice(1)], dtype: src.dtype, sparseDim: src.sparseDim });
    },
    evaluate: (env) => {
      const { node, sources } = env;
      const x = sources[0]!.value;
      const seqLens = sourceLens(env);
      const factor = (node.entry as { factor?: number }).factor!;
      const [batch, time, ...rest] = x.shape;
      const expanded = ops.reshape(x, [batch!, time!, 1, ...rest]);
      const repeated = ops.concat(Array.from({ length: factor }, () => expanded), 2);
      return {
        value: ops.reshape(repeated, [batch!, time! * factor, ...rest]),
        seqLens: seqLens ? ops.mul(seqLens, ops.scalar(factor, 'int32')) : undefined,
      };
    },
  });
}
