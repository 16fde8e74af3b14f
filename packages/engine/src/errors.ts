/** Bad data from a dataset: a wrong size, a label out of range, a non-finite value. Names the dataset, the example and the key. */
export class DataError extends Error {
  override name = 'DataError';
}

/** An invalid engine option (batch size, epochs, learning rate...), in the form "what, expected, received". */
export class EngineConfigError extends Error {
  override name = 'EngineConfigError';
}

/** Training produced a non-finite loss; the last good checkpoint is kept. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}
