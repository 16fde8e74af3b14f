import { type Layer, LayerNotBuiltError } from '@strata/core';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoints.js';
import { EngineConfigError } from './errors.js';
import type { Optimizer } from './optimizers/optimizer.js';

/** What {@link saveNetworkCheckpoint} saves: a network, and optionally its optimizer and training position. */
export interface NetworkCheckpointState {
  /** A built Network (or any Layer): all its variables are saved, keyed by `variable.path` (`net/dense/kernel`). */
  network: Layer;
  /** Its optimizer: slots (`optimizer/net/dense/kernel/momentum`), step count and learning rate are saved too. */
  optimizer?: Optimizer;
  /** The global step (a non-negative integer). Default: the optimizer's `iterations`, else 0. */
  globalStep?: number;
  /** The epoch reached (a non-negative integer). Default 0. */
  epoch?: number;
}

/** What {@link restoreNetworkCheckpoint} returns from the checkpoint. */
export interface RestoredNetworkCheckpoint {
  globalStep: number;
  epoch: number;
}

/**
 * Saves a network's variables together with a global step and its
 * optimizer's slots and state: the seeds' (000–002) "these variables can be
 * passed to a Saver to save or restore the Network, typically alongside a
 * global step and Optimizer variables when checkpointing during training".
 *
 * The file is the engine's training checkpoint (safetensors, written
 * atomically through @strata/savers: temp file + rename, so a crash keeps the
 * previous file), so `loadTrainingCheckpoint`, `strata inspect` and the
 * Engine's resume read it as well.
 *
 * @throws LayerNotBuiltError if the network was never called or built (it has no variables yet: nothing to save).
 * @throws EngineConfigError if `globalStep` or `epoch` is not a non-negative integer. Nothing is written then.
 */
export async function saveNetworkCheckpoint(path: string, state: NetworkCheckpointState): Promise<void> {
  const { network, optimizer } = state;
  if (!network.built) throw new LayerNotBuiltError(network.name, 'saveNetworkCheckpoint');
  const globalStep = state.globalStep ?? optimizer?.iterations ?? 0;
  const epoch = state.epoch ?? 0;
  checkCount('globalStep', globalStep);
  checkCount('epoch', epoch);
  await saveTrainingCheckpoint(path, network.variables, optimizer, { epoch, step: globalStep, configHash: '' });
}

/**
 * Restores what {@link saveNetworkCheckpoint} saved into a built network of
 * the same structure and names, and, if given, into an optimizer (its slots,
 * step count and learning rate), so that training continues exactly where it
 * stopped. Without an optimizer, the file's optimizer slots are ignored
 * (evaluation). All-or-nothing: names, shapes and dtypes are checked before
 * any variable is assigned.
 *
 * Unlike TF's `Network.restore`, nothing is deferred until variables are
 * created: build the network first (call it once, or `build(inputShape)`).
 *
 * @returns the global step and epoch stored in the file.
 * @throws LayerNotBuiltError if the network has no variables yet.
 * @throws CheckpointNotFoundError, CheckpointFormatError, CheckpointMismatchError (from @strata/savers).
 */
export async function restoreNetworkCheckpoint(
  path: string,
  target: { network: Layer; optimizer?: Optimizer },
): Promise<RestoredNetworkCheckpoint> {
  if (!target.network.built) throw new LayerNotBuiltError(target.network.name, 'restoreNetworkCheckpoint');
  const info = await loadTrainingCheckpoint(path, target.network.variables, target.optimizer);
  return { globalStep: info.step, epoch: info.epoch };
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new EngineConfigError(`saveNetworkCheckpoint: ${name} must be a non-negative integer. Received: ${name}=${value}.`);
  }
}
