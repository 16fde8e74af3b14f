import { bytesPerElement, type DType, ops, type Tensor, type TensorData } from '@strata/backend';
import { LayerArgumentError } from './errors.js';
import { Variable, type VariableOwner } from './variable.js';

/**
 * Seed `add_weight(partitioner=)`: given a variable's full shape and dtype,
 * returns how many partitions to cut along each axis (one entry per axis, at
 * most one entry above 1), as TF's partitioners do.
 */
export type Partitioner = (shape: readonly number[], dtype: DType) => number[];

/**
 * TF `tf.fixed_size_partitioner(num_shards, axis=0)`: `numShards` partitions
 * along `axis`, or as many as the axis has rows if fewer.
 * @throws LayerArgumentError if `numShards` is not a positive integer or `axis` is negative.
 */
export function fixedSizePartitioner(numShards: number, axis = 0): Partitioner {
  if (!Number.isInteger(numShards) || numShards < 1) {
    throw new LayerArgumentError(`fixedSizePartitioner expects a positive integer number of shards. Received: numShards=${numShards}.`);
  }
  checkAxis('fixedSizePartitioner', axis);
  return (shape) => {
    const parts = shape.map(() => 1);
    if (axis >= shape.length) throw axisError('fixedSizePartitioner', axis, shape);
    parts[axis] = Math.max(1, Math.min(numShards, shape[axis]!));
    return parts;
  };
}

/** Options of {@link variableAxisSizePartitioner} (TF's keyword arguments). */
export interface AxisSizePartitionerOptions {
  /** Axis to cut. Default 0. */
  axis?: number;
  /** Bytes counted per element of a string variable (TF's `bytes_per_string_element`). Default 16; Strata has no string variables. */
  bytesPerStringElement?: number;
  /** Upper bound on the number of partitions. Default none. */
  maxShards?: number;
}

/**
 * TF `tf.variable_axis_size_partitioner(max_shard_bytes, axis=0, ...)`: cuts
 * `axis` into as few partitions as keep each at most `maxShardBytes` bytes
 * (at least one slice of the axis per partition), capped at `maxShards`.
 * A slice along axis 0 of a float32 `[n, m]` variable has `4 * m` bytes.
 * @throws LayerArgumentError if `maxShardBytes`, `bytesPerStringElement` or `maxShards` is not positive.
 */
export function variableAxisSizePartitioner(maxShardBytes: number, options: AxisSizePartitionerOptions = {}): Partitioner {
  const { axis = 0, bytesPerStringElement = 16, maxShards } = options;
  if (!(maxShardBytes >= 1) || !(bytesPerStringElement >= 1)) {
    throw new LayerArgumentError(
      `variableAxisSizePartitioner: both maxShardBytes and bytesPerStringElement must be positive. Received: maxShardBytes=${maxShardBytes}, bytesPerStringElement=${bytesPerStringElement}.`,
    );
  }
  if (maxShards !== undefined && !(maxShards >= 1)) {
    throw new LayerArgumentError(`variableAxisSizePartitioner: maxShards must be positive. Received: maxShards=${maxShards}.`);
  }
  checkAxis('variableAxisSizePartitioner', axis);
  return (shape, dtype) => {
    if (axis >= shape.length) throw axisError('variableAxisSizePartitioner', axis, shape);
    const parts = shape.map(() => 1);
    const rows = shape[axis]!;
    if (rows === 0) return parts;
    const elements = shape.reduce((a, b) => a * b, 1);
    const bytesPerSlice = (elements / rows) * bytesPerElement(dtype);
    const slicesPerShard = Math.max(1, Math.floor(maxShardBytes / bytesPerSlice));
    let shards = Math.ceil(rows / slicesPerShard);
    if (maxShards !== undefined) shards = Math.min(maxShards, shards);
    parts[axis] = shards;
    return parts;
  };
}

function checkAxis(fn: string, axis: number): void {
  if (!Number.isInteger(axis) || axis < 0) throw new LayerArgumentError(`${fn} expects a non-negative integer axis. Received: axis=${axis}.`);
}

function axisError(fn: string, axis: number, shape: readonly number[]): LayerArgumentError {
  return new LayerArgumentError(`${fn}: axis ${axis} does not exist in a variable of shape [${shape.join(', ')}]. Received: axis=${axis}.`);
}

/**
 * Checks a partitioner's answer and returns the axis and the size of each
 * partition along it (TF's rule: the first `size % n` partitions get one row more).
 * @throws LayerArgumentError if the answer has the wrong length, non-positive entries or more than one axis above 1.
 */
export function partitionSizes(variable: string, shape: readonly number[], partitions: number[]): { axis: number; sizes: number[] } {
  const bad =
    !Array.isArray(partitions) ||
    partitions.length !== shape.length ||
    partitions.some((p, i) => !Number.isInteger(p) || p < 1 || p > Math.max(1, shape[i]!)) ||
    partitions.filter((p) => p > 1).length > 1;
  if (bad) {
    throw new LayerArgumentError(
      `The partitioner of variable '${variable}' (shape [${shape.join(', ')}]) must return one positive count per axis, ` +
        `at most one of them above 1 and none above the axis size. Received: [${String(partitions)}].`,
    );
  }
  const axis = Math.max(0, partitions.findIndex((p) => p > 1));
  const n = partitions[axis] ?? 1;
  const size = shape[axis] ?? 1;
  const sizes = Array.from({ length: n }, (_, i) => Math.floor(size / n) + (i < size % n ? 1 : 0));
  return { axis, sizes };
}

/**
 * A weight stored as several {@link Variable}s cut along one axis (seed
 * `PartitionedVariable`, returned by `add_weight(partitioner=)`). The parts
 * are named `<name>/part_0`, `<name>/part_1`, ... and are what the layer's
 * `weights` list (so optimizers, checkpoints and `getWeights` see each part).
 *
 * Reading {@link PartitionedVariable.value} concatenates the parts along
 * {@link PartitionedVariable.axis} (one new tensor per read, released by the
 * enclosing `tidy`), so a layer uses it like any weight and gradients flow to
 * every part. `assign` and `readSync` split and join transparently.
 */
export class PartitionedVariable extends Variable {
  /** The parts, in order along {@link PartitionedVariable.axis}. */
  readonly parts: Variable[];
  /** The axis the variable is cut along. */
  readonly axis: number;

  constructor(options: { owner?: VariableOwner | null; name: string; parts: Variable[]; axis: number }) {
    const first = options.parts[0]!;
    super({
      owner: options.owner,
      name: options.name,
      value: null as unknown as Tensor,
      trainable: first.trainable,
      constraint: first.constraint,
      regularizer: first.regularizer,
      synchronization: first.synchronization,
      aggregation: first.aggregation,
    });
    this.parts = options.parts;
    this.axis = options.axis;
  }

  /** The full weight: the parts concatenated along {@link PartitionedVariable.axis} (a new tensor). */
  override get value(): Tensor {
    return this.parts.length === 1 ? this.parts[0]!.value : ops.concat(this.parts.map((p) => p.value), this.axis);
  }
  override set value(_t: Tensor) {
    throw new LayerArgumentError(`Variable '${this.name}' is partitioned: assign a value with assign(t), which splits it over its parts.`);
  }
  /** Full shape. */
  override get shape(): number[] {
    const shape = [...this.parts[0]!.shape];
    shape[this.axis] = this.parts.reduce((n, p) => n + p.shape[this.axis]!, 0);
    return shape;
  }
  override get dtype(): DType {
    return this.parts[0]!.dtype;
  }
  override get trainable(): boolean {
    return this.parts[0]!.trainable;
  }
  /** Splits `t` (the full shape) along the axis and assigns each part; the caller keeps ownership of `t`. */
  override assign(t: Tensor): void {
    let offset = 0;
    for (const p of this.parts) {
      const begin = t.shape.map((_, i) => (i === this.axis ? offset : 0));
      const part = ops.slice(t, begin, p.shape);
      p.assign(part);
      ops.dispose(part);
      offset += p.shape[this.axis]!;
    }
  }
  override readSync(): TensorData {
    const full = this.value;
    const data = ops.readSync(full);
    if (this.parts.length > 1) ops.dispose(full);
    return data;
  }
  override async read(): Promise<TensorData> {
    return this.readSync();
  }
  /** Releases every part. */
  override dispose(): void {
    for (const p of this.parts) p.dispose();
  }
}
