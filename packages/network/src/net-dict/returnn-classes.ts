/**
 * RETURNN's layer classes (every `layer_class` of `returnn/tf/layers/*.py`
 * at RETURNN commit b46ff5f0f), and for those Strata does not build, why.
 * `getNetDictClass` names the reason when a net dict uses one of them, and
 * `docs/returnn-classes.md` lists them (a test keeps both in step with the
 * registry: every class here is either registered or has a reason).
 */

/** Why a group of RETURNN classes is not in Strata. */
const WHY = {
  signal:
    'a signal-processing layer over complex spectra (STFT, beamforming, filterbanks); the backend contract has no complex tensors or FFT. Compute such features before the network',
  native: "it runs one of RETURNN's native CUDA/C++ ops (Baum-Welch, forced alignment, 2-D LSTM) that Strata does not have",
  segments: 'a segmental-model layer (segments, length distributions) of RETURNN research code that Strata does not implement',
  search: "an internal of RETURNN's beam search over rec layers (beam scores, source beams, beam splitting), which Strata's runSearch handles inside the rec layer instead",
  sideEffect: 'it exists for its side effect (printing, TensorBoard summaries, HDF dumps, variable assignment) in TF sessions, not for a value',
  gradient: "it changes gradients (custom or synthetic gradients, gradient scaling), which Strata's backends do not let a layer define",
  random: "RETURNN's stateful random layers (their own RNG state per run); Strata's randomness is seeded per call (dropout), so their numbers cannot match",
  external: 'it needs an external library (KenLM)',
  lossLayer: "a loss written as a layer; in Strata a layer's `loss` and `loss_opts` give it (e.g. {\"loss\": \"ctc\"})",
  notYet: 'not implemented in Strata yet',
} as const;

/** Every RETURNN layer class name. */
export const RETURNN_LAYER_CLASSES: readonly string[] = [
  ':i', 'accumulate_mean', 'activation', 'alternating_real_to_complex', 'apply_length_distribution', 'batch_median_pooling', 'batch_norm',
  'batch_softmax', 'boolean_mask', 'cast', 'choice', 'choice_get_beam_scores', 'choice_get_src_beams', 'classes_to_length_distribution',
  'classes_to_length_distribution_global', 'classes_to_segments', 'combine', 'combine_dims', 'compare', 'complex_linear_projection',
  'complex_to_alternating_real', 'concat', 'concat_attention', 'cond', 'constant', 'conv', 'copy', 'ctc_loss', 'cum_concat', 'cumsum', 'dct',
  'decide', 'decide_keep_beam', 'dot', 'dot_attention', 'dropout', 'edit_distance', 'edit_distance_table', 'elemwise_prod', 'eval',
  'expand_dims', 'fast_bw', 'fill_unused', 'first_t_frames_noise_estimator', 'flatten_batch', 'flatten_time', 'fold', 'forced_align',
  'framewise_statistics', 'gather', 'gather_nd', 'gating', 'gauss_window_attention', 'generic_attention', 'get_last_hidden_state',
  'get_rec_accumulated', 'global_train_step', 'gradient', 'hdf_dump', 'identity', 'image_summary', 'istft', 'kenlm', 'layer_norm', 'length',
  'linear', 'loss', 'mask_based_gevbeamforming', 'mask_based_mvdrbeamforming', 'masked_computation', 'math_norm', 'mel_filterbank',
  'merge_dims', 'multichannel_multiresolution_stft_layer', 'multichannel_stft_layer', 'norm', 'normalize_length_scores',
  'optimal_completions', 'pad', 'parametric_wiener_filter', 'pool', 'positional_encoding', 'postfix_in_time', 'prefix_in_time', 'print',
  'rand_int', 'random', 'random_state_init', 'range', 'range_from_length', 'range_in_axis', 'rec', 'rec_last_output', 'rec_unstack',
  'reduce', 'reduce_out', 'reinterpret_data', 'relative_positional_encoding', 'remove', 'repeat', 'reshape', 'resize', 'rnn_cell',
  'scaled_grad', 'scatter_nd', 'search_sorted', 'segment_alignment', 'segment_input', 'self_attention', 'seq_len_mask', 'shift_axis',
  'signal_masking', 'slice', 'slice_nd', 'softmax', 'softmax_over_spatial', 'source', 'sparse_softmax_cross_entropy_with_logits', 'split',
  'split_batch_beam', 'split_batch_time', 'split_concatenated_multichannel', 'split_dims', 'squeeze', 'stack', 'stft', 'subnetwork',
  'swap_axes', 'swap_time_feature', 'switch', 'synthetic_gradient', 'tikhonov_regularization', 'tile', 'tile_features', 'time_chunking',
  'time_unchunking', 'top_k', 'train_flag', 'transpose', 'transposed_conv', 'twod_lstm', 'unflatten_batch', 'unflatten_nd', 'unmask',
  'unsegment_input', 'variable', 'variable_assign', 'variable_read', 'weighted_sum', 'window',
];

/** RETURNN classes Strata does not build, with why. Classes implemented later leave this list (a test checks it). */
export const UNSUPPORTED_RETURNN_CLASSES: Readonly<Record<string, string>> = {
  alternating_real_to_complex: WHY.signal,
  complex_linear_projection: WHY.signal,
  complex_to_alternating_real: WHY.signal,
  dct: WHY.signal,
  first_t_frames_noise_estimator: WHY.signal,
  istft: WHY.signal,
  mask_based_gevbeamforming: WHY.signal,
  mask_based_mvdrbeamforming: WHY.signal,
  mel_filterbank: WHY.signal,
  multichannel_multiresolution_stft_layer: WHY.signal,
  multichannel_stft_layer: WHY.signal,
  parametric_wiener_filter: WHY.signal,
  signal_masking: WHY.signal,
  split_concatenated_multichannel: WHY.signal,
  stft: WHY.signal,
  tikhonov_regularization: WHY.signal,
  fast_bw: WHY.native,
  forced_align: WHY.native,
  twod_lstm: WHY.native,
  apply_length_distribution: WHY.segments,
  classes_to_length_distribution: WHY.segments,
  classes_to_length_distribution_global: WHY.segments,
  classes_to_segments: WHY.segments,
  segment_alignment: WHY.segments,
  segment_input: WHY.segments,
  unsegment_input: WHY.segments,
  choice_get_beam_scores: WHY.search,
  choice_get_src_beams: WHY.search,
  decide_keep_beam: WHY.search,
  split_batch_beam: WHY.search,
  normalize_length_scores: WHY.search,
  optimal_completions: WHY.search,
  edit_distance_table: WHY.search,
  hdf_dump: WHY.sideEffect,
  image_summary: WHY.sideEffect,
  print: WHY.sideEffect,
  variable_assign: WHY.sideEffect,
  gradient: WHY.gradient,
  scaled_grad: WHY.gradient,
  synthetic_gradient: WHY.gradient,
  rand_int: WHY.random,
  random: WHY.random,
  random_state_init: WHY.random,
  kenlm: WHY.external,
  ctc_loss: WHY.lossLayer,
  sparse_softmax_cross_entropy_with_logits: WHY.lossLayer,
};

/**
 * Why RETURNN class `name` is not built by Strata (for a name no class is
 * registered under): the reason of its group, `not implemented in Strata
 * yet` for other RETURNN classes, `undefined` for a name RETURNN does not have.
 */
export function unsupportedReason(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(UNSUPPORTED_RETURNN_CLASSES, name)) return UNSUPPORTED_RETURNN_CLASSES[name];
  return RETURNN_LAYER_CLASSES.includes(name) ? WHY.notYet : undefined;
}
