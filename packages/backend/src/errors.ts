/**
 * Thrown when no registered backend of the requested names could be
 * initialised. The message lists every backend tried and why it failed (the
 * shape of onnxruntime-common's `resolveBackend` error), and what to install.
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  /** `[backend name, reason]` for every backend tried. */
  readonly attempts: ReadonlyArray<readonly [string, string]>;
  constructor(message: string, attempts: ReadonlyArray<readonly [string, string]> = []) {
    super(message);
    this.attempts = attempts;
  }
}

/**
 * Thrown when a backend cannot do what was asked (an op, a dtype, a
 * capability such as reading a symbolic tensor). Names the backend, the op,
 * and what to choose instead; Strata never falls back silently.
 */
export class BackendCapabilityError extends Error {
  override readonly name = 'BackendCapabilityError';
  constructor(
    readonly backend: string,
    readonly op: string,
    readonly remedy: string,
  ) {
    super(`Backend '${backend}' cannot run '${op}'. ${remedy}`);
  }
}

/** Thrown when tensor shapes do not fit an operation; the message names both shapes. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}
