// The net-dict classes that need the network (rec units, sub-networks, control
// flow), registered by the package's entry point and by tests that list classes.
import { registerCondClass } from './cond.js';
import { registerCumConcatClass } from './cum-concat.js';
import { registerGetLastHiddenStateClass } from './get-last-hidden-state.js';
import { registerLossLayerClass } from './loss-layer.js';
import { registerMaskedComputationClass } from './masked-computation.js';
import { registerRecClasses } from './rec-classes.js';
import { registerRecLastOutputClass } from './rec-last-output.js';
import { registerRecStepInfoClass } from './rec-step-info.js';
import { registerRecUnstackClass } from './rec-unstack.js';
import { registerSubnetworkClass } from './subnetwork.js';
import { registerTimeChunkingClass, registerTimeUnchunkingClass } from './time-chunking.js';
import { registerUnflattenBatchClass } from './unflatten-batch.js';
import { registerUnmaskClass } from './unmask.js';

/** Registers every network-level net-dict class (idempotent: each register call replaces its own entry). */
export function registerNetworkClasses(): void {
  registerRecClasses();
  registerSubnetworkClass();
  registerGetLastHiddenStateClass();
  registerTimeChunkingClass();
  registerTimeUnchunkingClass();
  registerCondClass();
  registerRecLastOutputClass();
  registerRecUnstackClass();
  registerRecStepInfoClass();
  registerCumConcatClass();
  registerMaskedComputationClass();
  registerUnmaskClass();
  registerUnflattenBatchClass();
  registerLossLayerClass();
}
