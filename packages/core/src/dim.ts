import type { Tensor } from '@strata/backend';
import { LayerArgumentError } from './errors.js';
import { sequenceMask } from './sequence-mask.js';

/** The role of an axis (RETURNN's dim tag kinds). */
export type DimKind = 'batch' | 'spatial' | 'feature';

/** Options of {@link Dim}. */
export interface DimOptions {
  /** What the axis is, for messages and for sharing (`data:time`, `classes:time`); axes with the same description in `dim_tags` are one Dim. */
  description: string;
  /** Static size, or `null` (default) when it varies from batch to batch (the batch axis, a time axis). */
  size?: number | null;
  /** Default `spatial`. */
  kind?: DimKind;
  /** For a dynamic axis a layer makes from another (a strided convolution's time axis): that axis. */
  derivedFrom?: Dim;
}

/**
 * One axis of a {@link Data} (RETURNN `Dim`, "dim tag"): a description, a
 * static size or `null` when it varies, and its kind.
 *
 * A dynamic axis owns its sizes (RETURNN's `dyn_size_ext`): {@link Dim.dynSize}
 * holds the length of each batch entry along it for the batch being run
 * (int32 `[batch]`), set when the batch is fed (`ExternData.assignBatch`) or
 * when the layer that makes the axis runs. Data templates that share the
 * axis share the Dim object, so one assignment serves every layer on it, and
 * masks derive from it ({@link Dim.getMask}).
 */
export class Dim {
  readonly description: string;
  readonly size: number | null;
  readonly kind: DimKind;
  /** The axis this one is computed from, if any (a strided, padded or sliced time axis). */
  readonly derivedFrom: Dim | undefined;
  /** For a dynamic axis: the length of each batch entry in the current batch, int32 `[batch]` (RETURNN `dyn_size_ext`). */
  dynSize: Tensor | undefined;

  constructor(options: DimOptions) {
    this.description = options.description;
    this.size = options.size ?? null;
    this.kind = options.kind ?? 'spatial';
    this.derivedFrom = options.derivedFrom;
  }

  /** True if the size varies from batch to batch. */
  get isDynamic(): boolean {
    return this.size === null;
  }

  /**
   * The mask of valid frames along this axis (RETURNN `Dim.get_mask`):
   * float32 `[batch, maxLen]`, 1 where `t < dynSize[b]`, else 0.
   * @throws LayerArgumentError if the axis has no sizes for the current batch.
   */
  getMask(maxLen: number): Tensor {
    if (!this.dynSize) {
      throw new LayerArgumentError(`Dim '${this.description}' has no sizes for the current batch: feed a batch (with '<key>:size1' lengths) before asking for its mask.`);
    }
    return sequenceMask(this.dynSize, maxLen);
  }

  toString(): string {
    return `${this.description}:${this.size ?? '?'}`;
  }
}

/** The batch axis shared by every {@link Data}. */
export const batchDim = new Dim({ description: 'batch', size: null, kind: 'batch' });

/**
 * The batch key of the sizes of axis `axis` of data `key`: `data:size1` for
 * the time axis of `data` (the batch axis is 0). One naming scheme for the
 * engine's batches, ONNX export inputs and fetches: RETURNN's raw tensor dict
 * names (`TensorDict.as_raw_tensor_dict`, also those of its ONNX export).
 */
export function sizeKey(key: string, axis = 1): string {
  return `${key}:size${axis}`;
}
