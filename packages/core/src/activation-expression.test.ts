import { ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { getActivation } from './activations.js';
import { LayerArgumentError } from './errors.js';
import { ActivationLayer } from './layers/activation.js';
import { EvalExpressionError } from './layers/eval/eval-error.js';
import { Linear } from './layers/linear.js';
import { expectClose, useBackend } from './test-utils/setup.js';

const x = [-2.5, -1, -0.3, 0, 0.4, 1, 1.7, 3];
const apply = (name: string): number[] => Array.from(ops.readSync(getActivation(name)(ops.tensor(Float32Array.from(x), [x.length]) as Tensor)), Number);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

beforeAll(() => useBackend('tfjs-cpu'));

describe("RETURNN's activation strings beyond the names (get_activation_function)", () => {
  it('expressions of x, operator forms and tf.nn/tf.math names, against the closed form', () => {
    expectClose(apply('tf.minimum(tf.nn.relu(x), 0.5) * 2 - x'), x.map((v) => Math.min(Math.max(v, 0), 0.5) * 2 - v));
    expectClose(apply('2 * sigmoid'), x.map((v) => 2 * sigmoid(v)));
    expectClose(apply('1 + tanh'), x.map((v) => 1 + Math.tanh(v)));
    expectClose(apply('relu6'), x.map((v) => Math.min(Math.max(v, 0), 6)));
    expectClose(apply('selu'), x.map((v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1))));
    expectClose(apply('log_sigmoid'), x.map((v) => Math.log(sigmoid(v))));
    expectClose(apply('neg'), x.map((v) => -v));
    expectClose(apply('none'), x);
  });

  it('layers take them as their activation', () => {
    expect(new ActivationLayer({ activation: 'tf.nn.relu(x) * 2' }).activationName).toBe('tf.nn.relu(x) * 2');
    expect(new Linear({ units: 2, activation: '1 + tanh' }).getConfig().activation).toBe('1 + tanh');
  });

  it('refuses what it cannot evaluate, naming the construct', () => {
    expect(() => getActivation('tf.nn.dropout(x, 0.5)')).toThrow(EvalExpressionError);
    expect(() => getActivation('tf.nn.dropout(x, 0.5)')).toThrow(/activation: function `tf\.nn\.dropout`/);
    expect(() => getActivation('2 * sigmoidal')).toThrow(/`sigmoidal`.*neither a number nor an activation name/);
    expect(() => getActivation('tf.sigmoid(y)')).toThrow(/name `y`/);
    expect(() => getActivation('relux')).toThrow(LayerArgumentError);
  });
});
