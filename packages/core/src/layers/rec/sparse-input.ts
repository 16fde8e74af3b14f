import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError } from '../../errors.js';
import type { SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, option, schemas } from '../../layer-spec.js';

/**
 * RETURNN's cells that take class indices (sparse input): its native ones
 * (`RecSeqCellOp`: `NativeLstm`, `NativeLstm2`, and the names RETURNN runs as
 * `NativeLSTM2` on TF 2: `lstm`, `lstmp`, `LSTMBlock`, `LSTMBlockFused`,
 * `CudnnLSTM` on CPU), which look up rows of their input matrix `W`
 * (`tf.nn.embedding_lookup`, `RecLayer._get_output_native_rec_op`): the
 * projection of the one-hot input. TF's RNNCells (`StandardLSTM`, `GRU`,
 * `BasicRNN`) and `NativeLstmLowMem` assert dense input.
 */
const SPARSE_UNITS = new Set(['lstm', 'lstmp', 'nativelstm', 'nativelstm2', 'lstmblock', 'lstmblockfused', 'blocklstm', 'cudnnlstm']);

/**
 * The `sparseInputDim` of a `rec` layer with a cell unit whose source is
 * sparse (the class count), from the net-dict context.
 * @throws LayerArgumentError for a sparse source next to others, or a unit RETURNN runs on dense input only.
 */
export function recSparseInputDim(c: LayerBuildContext): { sparseInputDim?: number } {
  const sparse = c.sources.filter((s) => s.sparse);
  if (sparse.length === 0) return {};
  if (c.sources.length > 1) {
    throw new LayerArgumentError(`rec layer '${c.name}': a sparse source (${sparse.map((s) => s.name).join(', ')}) must be its only source (RETURNN cannot concatenate class indices with features).`);
  }
  const unit = String(c.entry.unit);
  if (!SPARSE_UNITS.has(unit.toLowerCase())) {
    throw new LayerArgumentError(
      `rec layer '${c.name}': unit '${unit}' gets sparse data '${sparse[0]!.name}' (class indices); RETURNN runs it as a TF RNNCell, which asserts dense input. Use a native LSTM unit ('lstm', 'nativelstm2'), which embeds the indices, or put a linear layer (an embedding) before the rec layer.`,
    );
  }
  return { sparseInputDim: sparse[0]!.dim ?? undefined };
}

/** `x` as the cell's input: int32 class indices `[batch, time]` as one-hot float32 `[batch, time, sparseInputDim]`, dense `x` as it is. */
export function recInput(x: Tensor, sparseInputDim: number | undefined): Tensor {
  return sparseInputDim === undefined ? x : ops.oneHot(x, sparseInputDim);
}

/** The input shape as the cell sees it: `[batch, time]` of class indices gets the feature axis `sparseInputDim`. */
export function recInputShape(shape: SymbolicShape, sparseInputDim: number | undefined): SymbolicShape {
  return sparseInputDim === undefined ? shape : [...shape, sparseInputDim];
}

/** The `sparseInputDim` argument of {@link Rec}: set by net dicts from a sparse source (see {@link recSparseInputDim}). */
export const SPARSE_INPUT_DIM_OPTION = option(schemas.positiveInt().optional());
