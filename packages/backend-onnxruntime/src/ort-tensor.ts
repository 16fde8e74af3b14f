import type { DType, TensorData } from '@strata/backend';

/** Options of {@link OrtTensor}. */
export interface OrtTensorOptions {
  /** The values, row-major, in the typed array of `dtype` (bool as one byte per element); `sizeOf(shape)` elements. Kept, not copied. */
  data: TensorData;
  /** The shape (`[]` for a scalar). */
  shape: number[];
  dtype: DType;
}

/**
 * A tensor of the onnxruntime backend outside a trace: values on the host,
 * row-major, in the typed array of its dtype (bool as one byte per element).
 * Inside a trace the backend hands out symbolic `OnnxValue`s instead.
 */
export class OrtTensor {
  private values: TensorData | null;
  readonly shape: number[];
  readonly dtype: DType;
  constructor(options: OrtTensorOptions) {
    this.values = options.data;
    this.shape = options.shape;
    this.dtype = options.dtype;
  }
  /** The values. @throws Error if the tensor was disposed. */
  get data(): TensorData {
    if (!this.values) throw new Error(`onnxruntime: use of a disposed tensor of shape [${this.shape.join(', ')}].`);
    return this.values;
  }
  get isDisposed(): boolean {
    return this.values === null;
  }
  /** Bytes held. */
  get bytes(): number {
    return this.values?.byteLength ?? 0;
  }
  dispose(): void {
    this.values = null;
  }
  protected replace(data: TensorData): void {
    this.values = data;
  }
}

/** Options of {@link OrtVariable}. */
export interface OrtVariableOptions extends OrtTensorOptions {
  /** Whether optimizers update it (`Backend.variable`'s `trainable`). */
  trainable: boolean;
}

/**
 * A variable: a tensor whose values {@link OrtVariable.set} replaces. The
 * version counts replacements, so compiled graphs that baked the values in
 * as initializers know when to rebuild.
 */
export class OrtVariable extends OrtTensor {
  version = 0;
  /** Whether optimizers update it (`Backend.variable`'s `trainable`). */
  readonly trainable: boolean;
  constructor(options: OrtVariableOptions) {
    super(options);
    this.trainable = options.trainable;
  }
  set(data: TensorData): void {
    this.replace(data);
    this.version++;
  }
}
