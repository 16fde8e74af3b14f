/** Options of {@link BackendUnavailableError}. */
export interface BackendUnavailableErrorOptions {
  /** The whole message: every backend tried with its reason, and what to register, install or call first. */
  message: string;
  /** `[backend name, reason]` for every backend tried, in the order tried. Default `[]` (none was tried, e.g. no backend is active yet). */
  attempts?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Thrown when no registered backend of the requested names could be
 * initialised. The message lists every backend tried and why it failed (the
 * shape of onnxruntime-common's `resolveBackend` error), and what to install.
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  /** `[backend name, reason]` for every backend tried. */
  readonly attempts: ReadonlyArray<readonly [string, string]>;
  constructor(options: BackendUnavailableErrorOptions) {
    super(options.message);
    this.attempts = options.attempts ?? [];
  }
}

/** Options of {@link BackendCapabilityError}. */
export interface BackendCapabilityErrorOptions {
  /** The backend's registry name (`tfjs-wasm`, `onnxruntime`, `onnx` for graph building, ...). */
  backend: string;
  /** What was asked: an op name (`conv2d`), or an op with its arguments (`zeros of shape [8, 16]`). */
  op: string;
  /** What to do instead, in one or two sentences (another backend, another op, an install step). */
  remedy: string;
}

/**
 * Thrown when a backend cannot do what was asked (an op, a dtype, a
 * capability such as reading a symbolic tensor). Names the backend, the op,
 * and what to choose instead; Strata never falls back silently.
 */
export class BackendCapabilityError extends Error {
  override readonly name = 'BackendCapabilityError';
  /** The backend's registry name. */
  readonly backend: string;
  /** What was asked (an op, possibly with its arguments). */
  readonly op: string;
  /** What to do instead. */
  readonly remedy: string;
  constructor(options: BackendCapabilityErrorOptions) {
    const { backend, op, remedy } = options;
    super(`Backend '${backend}' cannot run '${op}'. ${remedy}`);
    this.backend = backend;
    this.op = op;
    this.remedy = remedy;
  }
}

/** Thrown when tensor shapes do not fit an operation; the message names both shapes. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}
