import { z } from 'zod';

// RETURNN LayerBase keys that the network handles for every class: where a layer's params live, and a batch norm on its output.

/**
 * The LayerBase keys that place a layer's params (RETURNN
 * returnn/tf/layers/base.py): `name_scope` and `reuse_params`.
 */
export const paramScopeKeys = {
  /**
   * The TF variable scope of the layer's params instead of its name (RETURNN
   * `name_scope`, `LayerBase.get_base_absolute_name_scope_prefix`): `""` the
   * enclosing network's scope (`W` at the top, `<subnet>/W` in a subnetwork),
   * `"x"` relative to it (`x/W`), `"/x"` absolute (`x/W` from anywhere). Two
   * layers with the same scope share their params (TF's variable reuse).
   */
  name_scope: z.string().optional(),
  /**
   * Use another layer's params (RETURNN `ReuseParams.from_config_dict`): a
   * layer name (`"l1"`, `"base:l1"`), or `{"reuse_layer": ..., "map": {<param>:
   * <layer name> | {"reuse_layer": ...} | null, ...}, "auto_create_missing": bool}`
   * (`<param>` is RETURNN's name: `W`, `b`, `W_re`; `null` creates the layer's own).
   */
  reuse_params: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable().optional(),
};

/**
 * The LayerBase key `batch_norm` (RETURNN returnn/tf/layers/base.py
 * `LayerBase.post_init` → `LayerBase.batch_norm`): `true`, or a dict of
 * `batch_norm`'s options (`masked_time`, `momentum`, `epsilon`, `use_shift`,
 * `use_std`, `param_version`, ...), applied to the layer's output.
 */
export const layerBatchNormKey = {
  batch_norm: z.union([z.boolean(), z.record(z.string(), z.unknown())], { error: 'must be true/false or a dict of batch_norm options such as {"masked_time": true}' }).optional(),
};

/**
 * The entry keys of RETURNN's input dropout (`_ConcatInputLayer` kwargs)
 * beside `dropout`: `dropout_axis` (the axes with a draw per element, every
 * other axis shares one) and `dropout_noise_shape` (a dict from axis
 * descriptions to 1 / "x" (broadcast) or -1 / null (per element), or a list);
 * see `returnnDropoutNoiseShape`.
 */
export const dropoutEntryKeys = {
  dropout_axis: z.union([z.string(), z.array(z.string())], { error: 'must be an axis description ("T", "F", "stag:name") or a list of them' }).nullable().optional(),
  dropout_noise_shape: z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown())], { error: 'must be a dict from axis descriptions to 1 or null, or a list with one entry per axis' })
    .nullable()
    .optional(),
};

/** The LayerBase keys of weight dropout (applied by `withParamDropout`, param-dropout.ts). */
export const paramDropoutKeys = {
  /** Dropout rate on the layer's params in training (RETURNN `param_dropout`); the identity in evaluation. */
  param_dropout: z.number({ error: 'must be a rate in [0, 1)' }).min(0).lt(1).nullable().optional(),
  /** Only params of at least this rank get it (RETURNN `param_dropout_min_ndim`; 2 leaves biases alone). Default 0. */
  param_dropout_min_ndim: z.number({ error: 'must be a non-negative integer' }).int().min(0).nullable().optional(),
};
