import { formatShape } from '@strata/backend';

/** Base class of the errors thrown by `@strata/losses`. */
export class LossError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Options of {@link UnknownLossError}. */
export interface UnknownLossErrorOptions {
  /** The loss name asked for, as written (`"ce"`, `"ctc"`, ...). */
  lossName: string;
  /** Every registered loss name, listed in the message. */
  knownNames: readonly string[];
}

/**
 * A loss name that no class is registered under (RETURNN's
 * `get_loss_class` failing). The message lists the known names.
 */
export class UnknownLossError extends LossError {
  /** The loss name asked for. */
  readonly lossName: string;
  /** Every registered loss name. */
  readonly knownNames: readonly string[];
  constructor(options: UnknownLossErrorOptions) {
    const { lossName, knownNames } = options;
    super(
      `Unknown loss ${JSON.stringify(lossName)}. Expected one of: ${knownNames.map((n) => JSON.stringify(n)).join(', ')}. ` +
        `Received: loss=${JSON.stringify(lossName)}`,
    );
    this.lossName = lossName;
    this.knownNames = knownNames;
  }
}

/** Options of {@link LossShapeError}. */
export interface LossShapeErrorOptions {
  /** The loss's name (`ce`, `ctc`, a holder's name). */
  lossName: string;
  /** The shape of the output (or logits) the loss got. */
  outputShape: readonly number[];
  /** The shape of the target the loss got. */
  targetShape: readonly number[];
  /** What the loss expects, in a phrase: `the target must have the output shape [batch, ..., features]`. */
  expected: string;
}

/** Output and target shapes that a loss cannot pair up. */
export class LossShapeError extends LossError {
  /** The loss's name. */
  readonly lossName: string;
  /** The shape of the output the loss got. */
  readonly outputShape: readonly number[];
  /** The shape of the target the loss got. */
  readonly targetShape: readonly number[];
  constructor(options: LossShapeErrorOptions) {
    const { lossName, outputShape, targetShape, expected } = options;
    super(
      `Loss ${JSON.stringify(lossName)} cannot pair output ${formatShape(outputShape)} with target ${formatShape(targetShape)}: ` +
        `${expected}. Received: output.shape=${formatShape(outputShape)}, target.shape=${formatShape(targetShape)}`,
    );
    this.lossName = lossName;
    this.outputShape = outputShape;
    this.targetShape = targetShape;
  }
}

/** An option outside its valid range, e.g. `labelSmoothing: 1.5`. */
export class LossArgumentError extends LossError {}
