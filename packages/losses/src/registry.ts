import { AsIsLoss, type AsIsLossOptions } from './as-is.js';
import { CrossEntropyLoss, type CrossEntropyLossOptions } from './ce.js';
import { CtcLoss, type CtcLossArgs } from './ctc-loss.js';
import { EditDistanceLoss, type EditDistanceLossOptions } from './edit-distance-loss.js';
import { UnknownLossError } from './errors.js';
import { L1Loss, MeanL1Loss } from './l1.js';
import type { LayerOptions } from '@strata/core';
import type { Loss, LossOptions } from './loss.js';
import { MeanSquaredErrorLoss } from './mse.js';

/** Options of each registered loss, by name. */
export interface LossOptionsByName {
  ce: CrossEntropyLossOptions;
  mse: LossOptions;
  l1: LossOptions;
  mean_l1: LossOptions;
  ctc: CtcLossArgs;
  edit_distance: EditDistanceLossOptions;
  as_is: AsIsLossOptions;
}

/** A registered loss name (RETURNN's `loss` value in a net dict). */
export type LossName = keyof LossOptionsByName;

const FACTORIES: { [N in LossName]: (opts: LossOptionsByName[N]) => Loss } = {
  ce: (o) => new CrossEntropyLoss(o),
  mse: (o) => new MeanSquaredErrorLoss(o),
  l1: (o) => new L1Loss(o),
  mean_l1: (o) => new MeanL1Loss(o),
  ctc: (o) => new CtcLoss(o),
  edit_distance: (o) => new EditDistanceLoss(o),
  as_is: (o) => new AsIsLoss(o),
};

/** A loss class: constructed with its options; `options` declares them in both vocabularies (camelCase, RETURNN's `loss_opts`). */
export type LossClass = { new (opts: LossOptions): Loss; readonly className: string; readonly options: LayerOptions };

const CLASSES: Record<LossName, LossClass> = {
  ce: CrossEntropyLoss,
  mse: MeanSquaredErrorLoss,
  l1: L1Loss,
  mean_l1: MeanL1Loss,
  ctc: CtcLoss,
  edit_distance: EditDistanceLoss,
  as_is: AsIsLoss,
};

/**
 * The class of loss `name` (its `options` say which `loss_opts` keys it takes).
 * @throws UnknownLossError for a name that is not registered; the message lists the known names.
 */
export function lossClass(name: string): LossClass {
  if (!Object.prototype.hasOwnProperty.call(CLASSES, name)) throw new UnknownLossError({ lossName: name, knownNames: LOSS_NAMES });
  return CLASSES[name as LossName];
}

/** The registered loss names, in registry order. */
export const LOSS_NAMES: readonly LossName[] = Object.keys(FACTORIES) as LossName[];

/**
 * Creates a loss by its RETURNN name (`{"loss": "ce", "loss_opts": {...}}`
 * in a net dict becomes `getLoss('ce', opts)`).
 *
 * @throws UnknownLossError for a name that is not registered; the message lists the known names.
 */
export function getLoss<N extends LossName>(name: N, opts?: LossOptionsByName[N]): Loss;
export function getLoss(name: string, opts?: LossOptions): Loss;
export function getLoss(name: string, opts: LossOptions = {}): Loss {
  if (!Object.prototype.hasOwnProperty.call(FACTORIES, name)) throw new UnknownLossError({ lossName: name, knownNames: LOSS_NAMES });
  return (FACTORIES[name as LossName] as (o: LossOptions) => Loss)(opts);
}
