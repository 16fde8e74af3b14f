import { WeightMismatchError } from '@strata/core';

/** Base class of errors about a checkpoint file itself (missing, malformed). */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Thrown when a checkpoint's bytes break the safetensors format (truncated
 * file, bad header JSON, offsets out of range or overlapping, a byte size that
 * does not match `shape` and `dtype`, ...), or when tensors handed to the
 * writer cannot be encoded. Nothing is written or assigned when it is thrown.
 */
export class CheckpointFormatError extends CheckpointError {
  override name = 'CheckpointFormatError';
  constructor(
    /** The file (or `<buffer>`) the problem was found in, or was to be written to. */
    readonly file: string,
    /** What is wrong, in one sentence. */
    readonly problem: string,
  ) {
    super(`${file}: invalid safetensors checkpoint: ${problem}`);
  }
}

/** Thrown by `loadCheckpoint`/`loadVariables` when no file exists at the path. */
export class CheckpointNotFoundError extends CheckpointError {
  override name = 'CheckpointNotFoundError';
  constructor(readonly path: string) {
    super(
      `No checkpoint at ${path}. Check the path (relative paths resolve against ${process.cwd()}), ` +
        `or train first so that a checkpoint is written.`,
    );
  }
}

/** One tensor whose shape or dtype differs between checkpoint and network. */
export interface TensorMismatch {
  /** The checkpoint key, e.g. `net/dense/kernel`. */
  readonly name: string;
  readonly checkpoint: { readonly shape: readonly number[]; readonly dtype: string };
  readonly network: { readonly shape: readonly number[]; readonly dtype: string };
}

/**
 * Thrown by `loadVariables` when the checkpoint does not fit the network, before
 * any variable is assigned. Its message lists every missing key, every
 * unexpected key and every shape/dtype difference, then a hint.
 *
 * A {@link WeightMismatchError} (from `@strata/core`), so code catching that
 * for `setWeights` also catches checkpoint mismatches.
 */
export class CheckpointMismatchError extends WeightMismatchError {
  override name = 'CheckpointMismatchError';
  constructor(
    readonly path: string,
    /** Network variables without a tensor in the checkpoint. */
    readonly missing: readonly string[],
    /** Checkpoint tensors without a network variable. */
    readonly unexpected: readonly string[],
    /** Present in both, with different shape or dtype. */
    readonly mismatched: readonly TensorMismatch[],
    hint: string,
  ) {
    super(formatMismatch(path, missing, unexpected, mismatched, hint));
  }
}

function formatMismatch(
  path: string,
  missing: readonly string[],
  unexpected: readonly string[],
  mismatched: readonly TensorMismatch[],
  hint: string,
): string {
  const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
  const n = missing.length + unexpected.length + mismatched.length;
  const lines = [`Checkpoint ${path} does not match the network (${n} problem${n === 1 ? '' : 's'}); no variable was assigned.`];
  if (missing.length) lines.push(`  missing in checkpoint (${missing.length}): ${missing.join(', ')}`);
  if (unexpected.length) lines.push(`  unexpected in checkpoint (${unexpected.length}): ${unexpected.join(', ')}`);
  if (mismatched.length) {
    lines.push(`  shape/dtype differences (${mismatched.length}):`);
    for (const m of mismatched) {
      lines.push(
        `    ${m.name}: checkpoint ${fmt(m.checkpoint.shape)} ${m.checkpoint.dtype}, network ${fmt(m.network.shape)} ${m.network.dtype}`,
      );
    }
  }
  lines.push(`Hint: ${hint}`);
  return lines.join('\n');
}
