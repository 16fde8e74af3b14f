// Leaks (#8) on onnxruntime: see defineLeakTests. The training test runs once
// the graph backend trains (valueAndGrads through a compiled step); until then
// a probe step says why it is skipped.
import { BackendCapabilityError, setBackend } from '@strata/backend';
import { defineLeakTests, leakEngine, randomDataset } from './test-utils/leak-harness.js';

// @strata/backend-onnxruntime sits on a lower floor than the engine but is not one of its dependencies:
// imported by a computed name, so that without it (a devDependency to add) the file is skipped, not broken.
const ORT_PACKAGE = '@strata/backend-onnxruntime';
let registerOnnxruntimeBackends: (() => void) | undefined;
let backendSkip: string | null = null;
try {
  ({ registerOnnxruntimeBackends } = (await import(/* @vite-ignore */ ORT_PACKAGE)) as { registerOnnxruntimeBackends: () => void });
} catch (e) {
  backendSkip = `${ORT_PACKAGE} cannot be imported from @strata/engine (add it to the engine's devDependencies): ${(e as Error).message.split('\n')[0]}`;
}

const activate = async () => {
  registerOnnxruntimeBackends!();
  await setBackend('onnxruntime');
};

/** Why training cannot run on onnxruntime yet (the probe step's capability error), or null when it can. */
async function probeTraining(): Promise<string | null> {
  await activate();
  try {
    await leakEngine(1).train(randomDataset(16, 3));
    return null;
  } catch (e) {
    if (e instanceof BackendCapabilityError) return `a training step throws ${e.name}: ${e.message}`;
    throw e;
  }
}

const trainingSkip = backendSkip ?? (await probeTraining());
defineLeakTests('onnxruntime', activate, { backend: backendSkip, training: trainingSkip });
