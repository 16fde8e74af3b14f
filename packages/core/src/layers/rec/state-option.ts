import { z } from 'zod';
import { option } from '../../layer-spec.js';

/**
 * RETURNN's `state` on a `rec` layer with a cell unit (`LayerBase` `state`:
 * "explicitly defines the rec state"): the previous state of a single step
 * (`single_step_dim`, an input without a time axis), e.g. `{"h": "x", "c": "x"}`
 * naming layers. Strata runs such a layer over a time axis from its
 * `initial_state`, and one step per frame only inside a rec unit (state carried
 * from frame to frame), so any value is refused with this explanation.
 */
export const STATE_OPTION = option(z.undefined({ error: 'is not an argument of Rec' }).optional(), {
  returnn: 'state',
  returnnSchema: z.unknown().superRefine((_v, ctx) =>
    ctx.addIssue({
      code: 'custom',
      message:
        "is the explicit previous state of a single step (RETURNN's single_step_dim on an input without a time axis); Strata's rec with a cell unit runs over a time axis from its initial_state ('zeros', 'ones', 'var'), or one step per frame inside a rec unit from zeros. Remove \"state\", or run the cell inside a rec unit",
    }),
  ),
});
