/**
 * How `strata train X.config` treats each RETURNN option it knows (meanings
 * from returnn/tf/engine.py, returnn/learning_rate_control.py, returnn/tf/updater.py).
 * Options not listed here and not mapped in returnn-config.ts are taken as the
 * config's own helper variables (listed in the notes).
 */

/** Options that change nothing Strata computes: accepted and listed, not used. */
export const IGNORED_OPTIONS: Record<string, string> = {
  log: 'logging',
  log_verbosity: 'logging',
  log_batch_size: 'logging',
  log_grad_norm: 'logging',
  tf_log_memory_usage: 'logging',
  tf_log_dir: 'logging',
  device: 'device placement (Strata uses --backend)',
  use_tensorflow: 'the backend (Strata uses --backend)',
  tf_session_opts: 'TensorFlow session options',
  save_interval: 'checkpoint frequency (Strata saves every epoch)',
  learning_rate_file: 'the learning-rate history file (Strata keeps it in the checkpoints)',
  start_epoch: 'start epoch (Strata resumes after the newest checkpoint)',
  optimize_move_layers_out: 'graph optimisation',
  num_inputs: 'extern data (read with num_outputs)',
};

/** Options whose name starts with one of these prefixes are debugging aids: ignored. */
export const IGNORED_PREFIXES = ['debug_', 'tf_log_', 'log_'];

/**
 * Options that change training in a way Strata cannot honour (yet): an error naming the
 * option, unless the value is RETURNN's default (given here), which means "off".
 */
export const UNSUPPORTED_OPTIONS: Record<string, { off: unknown[]; why: string }> = {
  max_seq_length: { off: [0, null], why: 'Strata does not drop long sequences from batches' },
  min_seq_length: { off: [0, null], why: 'Strata does not drop short sequences from batches' },
  max_pad_size: { off: [null], why: 'Strata does not limit padding per batch' },
  seq_drop: { off: [0, null], why: 'Strata does not drop sequences at random' },
  gradient_clip_avg_norm: { off: [0, null], why: 'Strata does not clip by the average norm' },
  grad_norm_to_clip_to_zero: { off: [0, null], why: 'Strata does not zero gradients above a norm' },
  maximize_grad_norm: {
    off: [0, null],
    why: 'it needs second-order gradients (RETURNN adds the gradient of -maximize_grad_norm · ‖∇loss‖, a gradient of the gradient), which Strata\'s backends do not compute',
  },
  decouple_constraints: { off: [false, null], why: 'Strata adds L2 to the loss, it does not decouple it' },
  pretrain: { off: [null, '', false], why: 'Strata has no layer-wise pretraining' },
  use_last_best_model: { off: [null, false], why: 'Strata does not go back to an earlier epoch\'s model' },
  get_network: { off: [null], why: 'a network from a function needs Python' },
  truncation: { off: [-1, null], why: 'Strata does not truncate backpropagation through time' },
  shuffle_batches: { off: [false, null], why: 'Strata orders batches by its own seeded shuffle' },
  eval_datasets: { off: [null], why: 'Strata evaluates on dev only' },
  update_batch_size: { off: [0, null], why: 'Strata updates after every batch' },
  momentum: { off: [0, null], why: 'give "optimizer": {"class": "sgd", "momentum": ...} instead' },
  nadam: { off: [false, null], why: 'Strata has adam and sgd' },
  adadelta: { off: [false, null], why: 'Strata has adam and sgd' },
  adagrad: { off: [false, null], why: 'Strata has adam and sgd' },
  rmsprop: { off: [false, null], why: 'Strata has adam and sgd' },
};
