import { formatShape } from '@strata/backend';
import { WeightMismatchError } from '@strata/core';

/** One tensor whose shape or dtype differs between checkpoint and network. */
export interface TensorMismatch {
  /** The checkpoint key, e.g. `net/dense/kernel`. */
  readonly name: string;
  readonly checkpoint: { readonly shape: readonly number[]; readonly dtype: string };
  readonly network: { readonly shape: readonly number[]; readonly dtype: string };
}

/** Options of {@link CheckpointMismatchError}. */
export interface CheckpointMismatchErrorOptions {
  /** The checkpoint file. */
  path: string;
  /** Network variables without a tensor in the checkpoint (checkpoint keys). */
  missing: readonly string[];
  /** Checkpoint tensors without a network variable. */
  unexpected: readonly string[];
  /** Present in both, with different shape or dtype. */
  mismatched: readonly TensorMismatch[];
  /** What to do about it, one sentence (the message's last line, after `Hint:`). */
  hint: string;
}

/**
 * Thrown by `load` when a Strata checkpoint does not fit the model, before
 * any variable is assigned. Its message lists every missing key, every
 * unexpected key and every shape/dtype difference, then a hint.
 *
 * A {@link WeightMismatchError} (from `@strata/core`), so code catching that
 * for `setWeights` also catches checkpoint mismatches.
 */
export class CheckpointMismatchError extends WeightMismatchError {
  override name = 'CheckpointMismatchError';
  /** The checkpoint file. */
  readonly path: string;
  /** Network variables without a tensor in the checkpoint. */
  readonly missing: readonly string[];
  /** Checkpoint tensors without a network variable. */
  readonly unexpected: readonly string[];
  /** Present in both, with different shape or dtype. */
  readonly mismatched: readonly TensorMismatch[];
  constructor(options: CheckpointMismatchErrorOptions) {
    const { path, missing, unexpected, mismatched, hint } = options;
    super(formatMismatch(path, missing, unexpected, mismatched, hint));
    this.path = path;
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

function formatMismatch(
  path: string,
  missing: readonly string[],
  unexpected: readonly string[],
  mismatched: readonly TensorMismatch[],
  hint: string,
): string {
  const n = missing.length + unexpected.length + mismatched.length;
  const lines = [`Checkpoint ${path} does not match the network (${n} problem${n === 1 ? '' : 's'}); no variable was assigned.`];
  if (missing.length) lines.push(`  missing in checkpoint (${missing.length}): ${missing.join(', ')}`);
  if (unexpected.length) lines.push(`  unexpected in checkpoint (${unexpected.length}): ${unexpected.join(', ')}`);
  if (mismatched.length) {
    lines.push(`  shape/dtype differences (${mismatched.length}):`);
    for (const m of mismatched) {
      lines.push(
        `    ${m.name}: checkpoint ${formatShape(m.checkpoint.shape)} ${m.checkpoint.dtype}, network ${formatShape(m.network.shape)} ${m.network.dtype}`,
      );
    }
  }
  lines.push(`Hint: ${hint}`);
  return lines.join('\n');
}

/** A network param the loader could not find a value for (no exact name, rename or layout conversion). */
export interface UnmappedParam {
  /** The variable's path, e.g. `network/lstm0_fw/kernel`. */
  readonly name: string;
  /** The checkpoint name looked for after `loadIfPrefix`, `paramsPrefix` and `nameMap`, e.g. `lstm0_fw/kernel`. */
  readonly checkpointName: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Unused checkpoint tensors with the same shape and dtype: likely renames, to put in `nameMap`. */
  readonly candidates: readonly string[];
}

/** A checkpoint tensor no network param took. */
export interface UnusedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** A network param whose checkpoint tensor was found but differs in shape or dtype. */
export interface MappedMismatch extends TensorMismatch {
  /** The checkpoint tensor's name (`name` is the network param's path). */
  readonly checkpointName: string;
}

/** Options of {@link CheckpointMappingError}. */
export interface CheckpointMappingErrorOptions {
  /** The file (or `<tensors>`) the values came from. */
  source: string;
  /** Network params no value was found for. */
  unmapped: readonly UnmappedParam[];
  /** Network params whose checkpoint tensor differs in shape or dtype. */
  mismatched: readonly MappedMismatch[];
  /** Checkpoint tensors nothing took. */
  unused: readonly UnusedTensor[];
  /** Problems that are not about one param, one sentence each. */
  problems: readonly string[];
  /** What to do about it, one sentence (the message's last line, after `Hint:`). */
  hint: string;
}

/**
 * Thrown by `CheckpointLoader` when the checkpoint cannot be mapped onto the
 * network, before any variable is assigned. Its message lists every unmapped
 * network param (with shape and the unused checkpoint tensors of equal shape),
 * every shape/dtype difference (both shapes), every unused checkpoint tensor
 * (with shape), and other problems (nothing selected, nothing matched, a
 * `nameMap` key naming no param), then a hint.
 *
 * A {@link WeightMismatchError}, like {@link CheckpointMismatchError}.
 */
export class CheckpointMappingError extends WeightMismatchError {
  override name = 'CheckpointMappingError';
  /** The file (or `<tensors>`) the values came from. */
  readonly source: string;
  readonly unmapped: readonly UnmappedParam[];
  readonly mismatched: readonly MappedMismatch[];
  readonly unused: readonly UnusedTensor[];
  /** Problems that are not about one param, one sentence each. */
  readonly problems: readonly string[];
  constructor(options: CheckpointMappingErrorOptions) {
    const { source, unmapped, mismatched, unused, problems, hint } = options;
    super(formatMapping(source, unmapped, mismatched, unused, problems, hint));
    this.source = source;
    this.unmapped = unmapped;
    this.mismatched = mismatched;
    this.unused = unused;
    this.problems = problems;
  }
}

function formatMapping(
  source: string,
  unmapped: readonly UnmappedParam[],
  mismatched: readonly MappedMismatch[],
  unused: readonly UnusedTensor[],
  problems: readonly string[],
  hint: string,
): string {
  const lines = [`Cannot map checkpoint ${source} onto the network; no variable was assigned.`];
  for (const p of problems) lines.push(`  ${p}`);
  if (unmapped.length) {
    lines.push(`  network params not found in the checkpoint (${unmapped.length}):`);
    for (const u of unmapped) {
      const cands = u.candidates.length ? `; same shape in checkpoint: ${u.candidates.join(', ')}` : '';
      const looked = u.checkpointName === u.name ? '' : ` (looked for '${u.checkpointName}')`;
      lines.push(`    ${u.name} ${formatShape(u.shape)} ${u.dtype}${looked}${cands}`);
    }
  }
  if (mismatched.length) {
    lines.push(`  shape/dtype differences (${mismatched.length}):`);
    for (const m of mismatched) {
      lines.push(
        `    ${m.name}: network ${formatShape(m.network.shape)} ${m.network.dtype}, checkpoint '${m.checkpointName}' ${formatShape(m.checkpoint.shape)} ${m.checkpoint.dtype}`,
      );
    }
  }
  if (unused.length) lines.push(`  unused checkpoint tensors (${unused.length}): ${unused.map((u) => `${u.name} ${formatShape(u.shape)}`).join(', ')}`);
  lines.push(`Hint: ${hint}`);
  return lines.join('\n');
}
