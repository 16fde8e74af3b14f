import { formatShape } from '@strata/backend';

/** Base class of the errors thrown by `@strata/losses`. */
export class LossError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A loss name that no class is registered under (RETURNN's
 * `get_loss_class` failing). The message lists the known names.
 */
export class UnknownLossError extends LossError {
  constructor(
    readonly lossName: string,
    readonly knownNames: readonly string[],
  ) {
    super(
      `Unknown loss ${JSON.stringify(lossName)}. Expected one of: ${knownNames.map((n) => JSON.stringify(n)).join(', ')}. ` +
        `Received: loss=${JSON.stringify(lossName)}`,
    );
  }
}

/** Output and target shapes that a loss cannot pair up. */
export class LossShapeError extends LossError {
  constructor(
    readonly lossName: string,
    readonly outputShape: readonly number[],
    readonly targetShape: readonly number[],
    expected: string,
  ) {
    super(
      `Loss ${JSON.stringify(lossName)} cannot pair output ${formatShape(outputShape)} with target ${formatShape(targetShape)}: ` +
        `${expected}. Received: output.shape=${formatShape(outputShape)}, target.shape=${formatShape(targetShape)}`,
    );
  }
}

/** An option outside its valid range, e.g. `labelSmoothing: 1.5`. */
export class LossArgumentError extends LossError {}
