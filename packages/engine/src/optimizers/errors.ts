/** Base class of the optimizer errors. */
export class OptimizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Options of {@link UnknownOptimizerError}. */
export interface UnknownOptimizerErrorOptions {
  /** The optimizer class asked for, as written in the config (`class`). */
  className: string;
  /** Every registered optimizer name, listed in the message. */
  knownNames: readonly string[];
}

/** An optimizer class name that is not registered; the message lists the known names. */
export class UnknownOptimizerError extends OptimizerError {
  /** The optimizer class asked for. */
  readonly className: string;
  /** Every registered optimizer name. */
  readonly knownNames: readonly string[];
  constructor(options: UnknownOptimizerErrorOptions) {
    const { className, knownNames } = options;
    super(
      `Unknown optimizer class ${JSON.stringify(className)}. Expected one of: ` +
        `${knownNames.map((n) => JSON.stringify(n)).join(', ')}. Received: class=${JSON.stringify(className)}`,
    );
    this.className = className;
    this.knownNames = knownNames;
  }
}

/** A hyper-parameter out of range, e.g. a negative learning rate. */
export class OptimizerArgumentError extends OptimizerError {}

/** A saved optimizer state that does not fit (wrong slot shape, bad step count), or bad `apply` arguments. */
export class OptimizerStateError extends OptimizerError {}
