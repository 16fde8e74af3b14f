/** Base class of the optimizer errors. */
export class OptimizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An optimizer class name that is not registered; the message lists the known names. */
export class UnknownOptimizerError extends OptimizerError {
  constructor(
    readonly className: string,
    readonly knownNames: readonly string[],
  ) {
    super(
      `Unknown optimizer class ${JSON.stringify(className)}. Expected one of: ` +
        `${knownNames.map((n) => JSON.stringify(n)).join(', ')}. Received: class=${JSON.stringify(className)}`,
    );
  }
}

/** A hyper-parameter out of range, e.g. a negative learning rate. */
export class OptimizerArgumentError extends OptimizerError {}

/** A saved optimizer state that does not fit (wrong slot shape, bad step count), or bad `apply` arguments. */
export class OptimizerStateError extends OptimizerError {}
