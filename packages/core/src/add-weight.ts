import { type DType, getBackend, ops, type Tensor } from '@strata/backend';
import { LayerArgumentError, VariableSynchronizationError } from './errors.js';
import { getInitializer, type InitializerSpec } from './initializers/index.js';
import { type Partitioner, PartitionedVariable, partitionSizes } from './partitioned-variable.js';
import type { Rng } from './rng.js';
import {
  type Constraint,
  type Regularizer,
  VARIABLE_AGGREGATIONS,
  VARIABLE_SYNCHRONIZATIONS,
  Variable,
  type VariableAggregation,
  type VariableOwner,
  type VariableSynchronization,
} from './variable.js';

/**
 * Options of {@link Layer.addWeight} (seed `add_weight`/`add_variable`): an
 * options object instead of eleven positional arguments. The seed's
 * `use_resource` and `getter` have no counterpart (every Strata variable is a
 * backend variable handle; see docs/seed-api/layer.md).
 */
export interface AddWeightOptions {
  /** Full shape of the weight, e.g. `[inFeatures, units]`. */
  shape: number[];
  /** Makes the initial values on the host from a seeded Rng: an initializer, or its name (`'zeros'`, `'glorot_uniform'`) or JSON form. */
  initializer: InitializerSpec;
  /** Default: the layer's dtype when it is float32, else float32. */
  dtype?: DType;
  /**
   * Default true, false with `synchronization: 'onRead'`. Non-trainable
   * weights (batch-norm moving statistics) are not in `trainableWeights`.
   */
  trainable?: boolean;
  /** A penalty added to the layer's unconditional `losses` (evaluated on the full weight). */
  regularizer?: Regularizer;
  /** Applied by the optimizer after each update (per part of a partitioned weight). */
  constraint?: Constraint;
  /** Seed `synchronization`. Default `'auto'`. `'onRead'` with `trainable: true` throws. */
  synchronization?: VariableSynchronization;
  /** Seed `aggregation`. Default `'none'`. */
  aggregation?: VariableAggregation;
  /**
   * Seed `partitioner` (e.g. {@link fixedSizePartitioner}): the weight is
   * stored as parts `<name>/part_i`, and a {@link PartitionedVariable} is returned.
   */
  partitioner?: Partitioner;
}

/**
 * The most elements one weight may have: 2^28 (1 GiB of float32). A larger
 * weight is a typo (`n_out: 1e9`) far more often than a need, and its
 * initial values would be made on the host (seconds to minutes, gigabytes)
 * before any backend could refuse it; a typed array holds at most 2^32 - 1.
 */
export const MAX_WEIGHT_ELEMENTS = 2 ** 28;

/**
 * Checks the options, before anything is created, and fills the defaults.
 * @throws VariableSynchronizationError for `synchronization: 'onRead'` with `trainable: true`.
 * @throws LayerArgumentError for an unknown synchronization or aggregation, a bad shape, or a
 *   shape of more than {@link MAX_WEIGHT_ELEMENTS} elements.
 */
export function resolveWeightOptions(layer: string, name: string, o: AddWeightOptions): { trainable: boolean; synchronization: VariableSynchronization; aggregation: VariableAggregation } {
  const synchronization = o.synchronization ?? 'auto';
  const aggregation = o.aggregation ?? 'none';
  if (!VARIABLE_SYNCHRONIZATIONS.includes(synchronization)) {
    throw new LayerArgumentError(`Layer '${layer}', weight '${name}': synchronization must be one of ${VARIABLE_SYNCHRONIZATIONS.join(', ')}. Received: synchronization=${JSON.stringify(synchronization)}.`);
  }
  if (!VARIABLE_AGGREGATIONS.includes(aggregation)) {
    throw new LayerArgumentError(`Layer '${layer}', weight '${name}': aggregation must be one of ${VARIABLE_AGGREGATIONS.join(', ')}. Received: aggregation=${JSON.stringify(aggregation)}.`);
  }
  if (synchronization === 'onRead' && o.trainable === true) {
    throw new VariableSynchronizationError(
      `Layer '${layer}', weight '${name}': synchronization 'onRead' variables cannot be trainable (they are aggregated when read, ` +
        `e.g. metric accumulators). Set trainable: false or choose another synchronization. Received: trainable=true, synchronization='onRead'.`,
    );
  }
  if (!Array.isArray(o.shape) || o.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new LayerArgumentError(
      `Layer '${layer}', weight '${name}': shape must be a list of non-negative integers (safe integers, below 2^53). Received: shape=${JSON.stringify(o.shape)}.`,
    );
  }
  const elements = o.shape.reduce((a, d) => a * d, 1);
  if (elements > MAX_WEIGHT_ELEMENTS) {
    throw new LayerArgumentError(
      `Layer '${layer}', weight '${name}': shape ${JSON.stringify(o.shape)} has ${elements.toPrecision(3)} elements, more than the limit of ` +
        `${MAX_WEIGHT_ELEMENTS} (2^28, 1 GiB of float32) per weight. Check the sizes that make this shape (n_out, the input's feature dim, ` +
        `filter sizes): one of them is probably a typo.`,
    );
  }
  return { trainable: o.trainable ?? synchronization !== 'onRead', synchronization, aggregation };
}

/**
 * Creates the weight's variable(s), initialised from `rng` on the full shape
 * (a partitioned weight starts with the same values as an unpartitioned one
 * with the same seed, cut into parts). Returns the weight the layer reads and
 * the variables to list in its `weights`.
 */
export function createWeight(
  owner: VariableOwner,
  name: string,
  o: AddWeightOptions,
  dtype: DType,
  rng: Rng,
  resolved: ReturnType<typeof resolveWeightOptions>,
): { weight: Variable; variables: Variable[] } {
  const { trainable, synchronization, aggregation } = resolved;
  const split = o.partitioner ? partitionSizes(name, o.shape, o.partitioner(o.shape, dtype)) : null;
  const values = getInitializer(o.initializer).generate(o.shape, rng);
  const init = ops.tensor(dtype === 'float32' ? values : Int32Array.from(values), o.shape, dtype);
  const make = (localName: string, t: Tensor) =>
    new Variable({
      owner,
      name: localName,
      value: getBackend().variable(t, trainable),
      trainable,
      constraint: o.constraint,
      regularizer: o.regularizer,
      synchronization,
      aggregation,
    });
  try {
    if (!split) {
      const w = make(name, init);
      return { weight: w, variables: [w] };
    }
    let offset = 0;
    const parts = split.sizes.map((size, i) => {
      const begin = o.shape.map((_, a) => (a === split.axis ? offset : 0));
      const shape = o.shape.map((d, a) => (a === split.axis ? size : d));
      offset += size;
      const slice = ops.slice(init, begin, shape);
      const part = make(`${name}/part_${i}`, slice);
      getBackend().dispose(slice);
      return part;
    });
    return { weight: new PartitionedVariable({ owner, name, parts, axis: split.axis }), variables: parts };
  } finally {
    getBackend().dispose(init);
  }
}
