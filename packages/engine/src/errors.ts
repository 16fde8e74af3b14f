/** Bad data from a dataset: a wrong size, a label out of range, a non-finite value. Names the dataset, the example and the key. */
export class DataError extends Error {
  override name = 'DataError';
}

/** An invalid engine option (batch size, epochs, learning rate...), in the form "what, expected, received". */
export class EngineConfigError extends Error {
  override name = 'EngineConfigError';
}

/** Options of {@link NonFiniteLossError}. */
export interface NonFiniteLossErrorOptions {
  /** The whole message: the failing step, where NaN/Inf first appear, the kept checkpoint and what to try. */
  message: string;
  /** The layer whose weights or output first hold NaN/Inf in the failing step. Default `null` (unknown). */
  layer?: string | null;
  /** 1-based epoch of the failing step. Default: unknown. */
  epoch?: number;
  /** 0-based batch index of the failing step in its epoch. Default: unknown. */
  batch?: number;
}

/**
 * Training produced a non-finite loss; the last good checkpoint is kept (the
 * broken state is never saved). The message names the layer where NaN/Inf
 * first appear, when the NaN guard could find it (see nan-guard.ts).
 */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  /** The layer whose weights or output first hold NaN/Inf in the failing step, or null if unknown. */
  readonly layer: string | null;
  /** 1-based epoch of the failing step. */
  readonly epoch: number | undefined;
  /** 0-based batch index of the failing step in its epoch. */
  readonly batch: number | undefined;
  constructor(options: NonFiniteLossErrorOptions) {
    super(options.message);
    this.layer = options.layer ?? null;
    this.epoch = options.epoch;
    this.batch = options.batch;
  }
}
