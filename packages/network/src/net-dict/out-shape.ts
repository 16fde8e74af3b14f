import type { Data } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';

/**
 * RETURNN's `out_shape` entry key (`LayerBase` kwarg, `Data.verify_out_shape`):
 * the output's dims, checked once the output is known. RETURNN gives Dim
 * objects there, which a data net dict cannot hold; its empty form, `()`
 * (`[]` in JSON: a scalar, no batch axis either), is checked.
 */
export const outShapeEntryKeys = {
  out_shape: z.array(z.unknown(), { error: 'must be a list (tuple) of dims; in a data net dict only the empty one, () for a scalar' }).nullable().optional(),
};

/**
 * Checks an entry's `out_shape` against its output template.
 * @throws NetDictError if the output is not what `out_shape` says, or `out_shape` names dims (only `()` can be written as data).
 */
export function checkOutShape(name: string, entry: Readonly<Record<string, unknown>>, output: Data): void {
  const want = entry.out_shape as unknown[] | null | undefined;
  if (want === undefined || want === null) return;
  if (want.length > 0) {
    throw new NetDictError(
      `Net dict entry '${name}': out_shape ${JSON.stringify(want)} names dims; RETURNN's out_shape holds Dim objects, which a data net dict cannot hold. Use () (a scalar) or drop the key.`,
    );
  }
  if (output.hasBatch || output.dims.length > 0) {
    throw new NetDictError(`Net dict entry '${name}': out_shape () says the output is a scalar, but it is ${output} (RETURNN's verify_out_shape fails too).`);
  }
}
