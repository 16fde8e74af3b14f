import type { Tensor } from '@strata/backend';
import type { Model } from '../model.js';

/** The lengths output `name` got in the model's last forward pass: the sizes of its time Dim (read it before the next pass). */
export function lensOf(model: Pick<Model, 'outputData'>, name: string): Tensor {
  const lens = model.outputData(name).timeDim?.dynSize;
  if (!lens) throw new Error(`output '${name}' has no lengths (no time axis, or not run yet)`);
  return lens;
}
