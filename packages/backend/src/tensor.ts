/**
 * Element types every Strata backend supports.
 *
 * - `float32`: IEEE-754 single precision, the type of weights and activations.
 * - `int32`: class indices, sequence lengths, gather indices.
 * - `bool`: comparison results and masks (stored as one byte per element).
 */
export type DType = 'float32' | 'int32' | 'bool';

/** A tensor shape: one non-negative integer per axis, outermost first. */
export type Shape = readonly number[];

/** The typed array a {@link DType} is read into and written from. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : Uint8Array;

/** Any of the typed arrays a backend accepts or returns. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

/**
 * An opaque handle to an n-dimensional array owned by a {@link Backend}.
 *
 * Strata never looks inside a handle: it passes it back to the backend that
 * made it. An eager backend's handle holds values (tfjs returns its own
 * `tf.Tensor`, which satisfies this interface structurally, so no wrapper is
 * allocated per op); a graph backend's handle may be a symbolic node whose
 * values exist only once the graph runs.
 */
export interface Tensor {
  /** Size of each axis, e.g. `[batch, feature]`. */
  readonly shape: number[];
  /** Element type. */
  readonly dtype: DType | string;
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes per element of a dtype (bool is stored as one byte). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** True if both shapes have the same rank and sizes. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats a shape the way error messages print it: `[32, 784]`. */
export function formatShape(shape: Shape | null | undefined): string {
  if (!shape) return 'unknown';
  return `[${shape.map((d) => (d === null || d === undefined || d < 0 ? 'None' : String(d))).join(', ')}]`;
}
