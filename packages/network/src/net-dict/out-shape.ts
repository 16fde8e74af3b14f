import type { Data } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';

/**
 * RETURNN's `out_shape` entry key (`LayerBase` kwarg, `Data.verify_out_shape`):
 * the output's dims, checked once the output is known. Dims in their JSON
 * form are checked by `checkOutShapeDims` (dim-options.ts); here the empty
 * form, `()` (`[]` or `{}` in JSON: a scalar, no batch axis either).
 */
export const outShapeEntryKeys = {
  // `{}` is how RETURNN configs write the empty set (a Python dict, which verify_out_shape reads as no dims).
  out_shape: z
    .union([z.array(z.unknown()), z.strictObject({}).transform(() => [])], { error: 'must be a list (a set in RETURNN) of Dims, or () / {} for a scalar' })
    .nullable()
    .optional(),
};

/**
 * Checks an entry's `out_shape` against its output template.
 * @throws NetDictError if the output is not what `out_shape` says, or `out_shape` names dims (only `()` can be written as data).
 */
export function checkOutShape(name: string, entry: Readonly<Record<string, unknown>>, output: Data): void {
  const raw = entry.out_shape as unknown[] | Record<string, never> | null | undefined;
  const want = raw !== null && raw !== undefined && !Array.isArray(raw) ? [] : raw;
  if (want === undefined || want === null) return;
  if (want.length > 0) {
    throw new NetDictError(
      `Net dict entry '${name}': out_shape ${JSON.stringify(want)} names dims not as Dims; RETURNN's out_shape holds Dim objects: write each in the JSON Dim form ({"dim": "time", "kind": "spatial", "size": null}), or () for a scalar.`,
    );
  }
  if (output.hasBatch || output.dims.length > 0) {
    throw new NetDictError(`Net dict entry '${name}': out_shape () says the output is a scalar, but it is ${output} (RETURNN's verify_out_shape fails too).`);
  }
}
