import type { DType } from '@strata/backend';
import type { Mask } from './layer-node.js';
import type { SerializedRegularizer } from './regularizers.js';
import type { Regularizer } from './variable.js';

/** A shape whose entries may be unknown (`null`), e.g. `[null, 784]` with an unknown batch size. */
export type SymbolicShape = readonly (number | null)[];

/** Arguments every layer takes (seed 004's `__init__(trainable, name, dtype, activity_regularizer)`). */
export interface LayerArgs {
  /** Unique within the parent; default: the class name in snake_case, made unique (`dense`, `dense_1`). */
  name?: string;
  /** Whether the layer's weights are trained. Default true. */
  trainable?: boolean;
  /** The layer's dtype. Default (`undefined`/`null`): the dtype of the first input (seed). */
  dtype?: DType | null;
  /** Seed for weight initialisation. Default: derived from the root layer's seed and each variable's path. */
  seed?: number;
  /** A penalty on the layer's output, added as a loss on each call (seed `activity_regularizer`). */
  activityRegularizer?: Regularizer | SerializedRegularizer;
}

/** Options of {@link Layer.apply} beyond the inputs (the seed's `__call__` keyword arguments). */
export interface ApplyOptions {
  /**
   * The mask of the inputs (one per input for a list). Default: the masks the
   * producing layers attached to the inputs (seed `__call__` note on `mask`).
   */
  mask?: Mask | Mask[];
}

/** A JSON description of a layer, enough to recreate it with `fromConfig`. */
export type LayerConfig = Record<string, unknown> & { name: string; trainable: boolean };
