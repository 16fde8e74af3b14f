import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { dropoutEntryKeys, layerBatchNormKey, paramDropoutKeys, paramScopeKeys } from './layer-base-keys.js';
import { outShapeEntryKeys } from './out-shape.js';

/**
 * The keys every net-dict entry may have (RETURNN `LayerBase` kwargs). Each
 * layer class adds its own keys (see the class registry).
 */
export const commonEntrySchema = z.looseObject({
  class: z.string({ error: '"class" is required and must be a string, e.g. "linear"' }),
  /** Layer names; RETURNN's `concat` takes `(layer, axis)` pairs (classes with `fromAxes`). */
  from: z.union([z.string(), z.array(z.union([z.string(), z.tuple([z.string(), z.union([z.string(), z.number()])])]))]).optional(),
  /** The output size; checked by the class that takes it (its option's schema), so the message names the class. */
  n_out: z.unknown().optional(),
  activation: z.string().nullable().optional(),
  dropout: z.number().min(0).lt(1).optional(),
  loss: z.string().nullable().optional(),
  target: z.string().optional(),
  loss_scale: z.number().min(0).optional(),
  loss_opts: z.record(z.string(), z.unknown()).optional(),
  is_output_layer: z.boolean().optional(),
  trainable: z.boolean().optional(),
  /** L2 penalty `L2 · sum(w²)` on every trainable weight of the layer, added to the objective (RETURNN `L2`). */
  L2: z.number().min(0).optional(),
  /** Inside a rec unit: the value `prev:<this layer>` has at the first frame (RETURNN `initial_output`); default zeros. */
  initial_output: z
    .union([z.number(), z.boolean(), z.literal('zeros'), z.literal('ones'), z.literal('apply(0)'), z.string().regex(/^base:./)], {
      error: 'must be a number, true/false, "zeros", "ones", "apply(0)" or a layer outside the loop ("base:<layer>"; RETURNN\'s "var" and unit layers are not supported yet)',
    })
    .optional(),
  /** The layer (and its loss) is computed only in evaluation, not in training (RETURNN `only_on_eval`). */
  only_on_eval: z.boolean().optional(),
  /** Inside a rec unit: keep the layer's last frame per sequence for `rec_last_output` (RETURNN `need_last`). */
  need_last: z.boolean().optional(),
  /** Registers the layer's output as extern data of that key, read as `"data:<key>"` or a `"target"` (RETURNN `register_as_extern_data`). */
  register_as_extern_data: z.string().min(1).nullable().optional(),
  /**
   * Inside a rec unit: layer names to keep together with this one when RETURNN moves layers out of the frame loop
   * (RETURNN `collocate_with`, LayerBase.transform_config_dict: not a dependency). Placement only, no numeric effect;
   * Strata runs every unit layer per frame, so it changes nothing here.
   */
  collocate_with: z.union([z.string(), z.array(z.string())], { error: 'must be a layer name or a list of layer names' }).nullable().optional(),
  ...paramScopeKeys,
  ...layerBatchNormKey,
  ...dropoutEntryKeys,
  ...outShapeEntryKeys,
  ...paramDropoutKeys,
});

/** One net-dict entry, as written in a config. */
export type LayerDescription = z.infer<typeof commonEntrySchema>;

/** A RETURNN-style network description: layer name → entry. */
export type NetDict = Record<string, LayerDescription>;

/** Keys handled by the network itself, not by the layer class. */
export const COMMON_KEYS = new Set(Object.keys(commonEntrySchema.shape));

/**
 * Parses `value` with `schema`, or throws NetDictError naming the entry, the
 * key, what was expected and what was received.
 */
export function parseEntry<S extends z.ZodType>(schema: S, value: unknown, layerName: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      return `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}; this class takes ${[...COMMON_KEYS, ...allowed].join(', ')}`;
    }
    const key = i.path.join('.');
    const got = i.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), value);
    return `${key || '(entry)'}: ${i.message}. Received: ${key ? `${key}=${JSON.stringify(got)}` : JSON.stringify(value)}`;
  });
  throw new NetDictError(`Net dict entry '${layerName}' is invalid:\n  - ${lines.join('\n  - ')}`);
}
