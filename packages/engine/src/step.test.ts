// makeTrainStep refuses a model with nothing to train with a typed error before any step (fuzzer seed 8 case 470
// reached tfjs' untyped "variableGrads() expects at least one of the input variables to be trainable").
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineConfigError } from './errors.js';
import { Adam } from './optimizers/index.js';
import { makeTrainStep } from './step.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const extern = { data: { shape: [5] }, classes: { shape: [], dim: 5, sparse: true } };

describe('makeTrainStep', () => {
  it('throws EngineConfigError for a model without trainable variables (a loss on a layer without weights; a used layer frozen)', () => {
    const noWeights = NetDictNetwork.fromDict({ output: { class: 'activation', activation: 'softmax', from: 'data', loss: 'ce', target: 'classes' } }, { externData: extern as never });
    expect(() => makeTrainStep(noWeights, new Adam({ learningRate: 0.01 }))).toThrow(EngineConfigError);
    expect(() => makeTrainStep(noWeights, new Adam({ learningRate: 0.01 }))).toThrow(/no trainable variables.*Received: 0 variable\(s\), none trainable/);
    // The layer with weights nobody needs holds no params (RETURNN); the frozen one is not trainable.
    const frozen = NetDictNetwork.fromDict(
      { unused: { class: 'linear', n_out: 5, from: 'data' }, output: { class: 'softmax', n_out: 5, from: 'data', trainable: false, loss: 'ce', target: 'classes' } },
      { externData: extern as never },
    );
    expect(() => makeTrainStep(frozen, new Adam({ learningRate: 0.01 }))).toThrow(/Received: 2 variable\(s\), none trainable/);
  });

  it('makes the step of a model with trainable variables', () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'softmax', n_out: 5, from: 'data', loss: 'ce', target: 'classes' } }, { externData: extern as never });
    expect(typeof makeTrainStep(net, new Adam({ learningRate: 0.01 }))).toBe('function');
  });
});
