// The layer in RETURNN-style net dicts: class `glu` with RETURNN option names,
// errors that name the entry and the RETURNN key.
import { ops } from '@strata/backend';
import { NetDictError, NetDictNetwork, netDictClassNames } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatedLinearUnit } from '../src/index.js';
import { MNIST_EXTERN as externData, useBackend } from './helpers.js';

beforeAll(() => useBackend('tfjs-cpu'));

const build = (g: Record<string, unknown>) =>
  NetDictNetwork.fromDict({ g: { class: 'glu', from: 'data', ...g }, output: { class: 'softmax', loss: 'ce', from: 'g' } }, { externData, seed: 1 });

describe("net-dict class 'glu'", () => {
  it('constructs from RETURNN option names: n_out → units, activation, gate_activation, with_bias, forward_weights_init, bias_init', () => {
    expect(netDictClassNames()).toContain('glu');
    const net = build({ n_out: 16 });
    const g = net.getLayer('g') as unknown as GatedLinearUnit;
    expect(g).toBeInstanceOf(GatedLinearUnit);
    expect(g.units).toBe(16);
    expect(net.variables.map((v) => [v.name, v.shape])).toEqual([
      ['network/g/kernel:0', [784, 16]],
      ['network/g/bias:0', [16]],
      ['network/g/gate_kernel:0', [784, 16]],
      ['network/g/gate_bias:0', [16]],
      ['network/output/kernel:0', [16, 10]],
      ['network/output/bias:0', [10]],
    ]);
    const out = net.forward({ data: ops.ones([3, 784]) }, { training: false } as never).get('output')!.value;
    expect(out.shape).toEqual([3, 10]);

    const gtu = build({ n_out: 8, activation: 'tanh', gate_activation: 'sigmoid', with_bias: false, forward_weights_init: 'he_normal', bias_init: 'ones' });
    const l = gtu.getLayer('g') as unknown as GatedLinearUnit;
    expect(l.getConfig()).toMatchObject({ units: 8, activation: 'tanh', gateActivation: 'sigmoid', withBias: false });
    expect(gtu.variables.map((v) => v.name)).toEqual(['network/g/kernel:0', 'network/g/gate_kernel:0', 'network/output/kernel:0', 'network/output/bias:0']);
  });

  it("takes n_out from the target like RETURNN's linear when it has a loss target", () => {
    const net = NetDictNetwork.fromDict({ output: { class: 'glu', from: 'data', target: 'classes' } }, { externData });
    expect((net.getLayer('output') as unknown as GatedLinearUnit).units).toBe(10);
  });

  it('a bad option is a NetDictError naming the entry and the RETURNN key', () => {
    const error = (g: Record<string, unknown>): NetDictError => {
      try {
        build(g);
      } catch (e) {
        return e as NetDictError;
      }
      throw new Error('no error');
    };
    const e = error({ n_out: 0 });
    expect(e).toBeInstanceOf(NetDictError);
    expect(e.message).toBe("Net dict entry 'g' (class 'glu'): n_out must be a positive integer. Received: n_out=0.");
    expect(error({ n_out: 4, with_bias: 'yes' }).message).toBe("Net dict entry 'g' (class 'glu'): with_bias must be true or false. Received: with_bias=\"yes\".");
    expect(error({ n_out: 4, gate_activation: 'sigmoidal' }).message).toMatch(/^Net dict entry 'g' \(class 'glu'\): gate_activation must be one of .*Received: gate_activation="sigmoidal"\.$/);
    // An unknown key lists the keys the class takes, the layer's own in RETURNN's spelling.
    const unknown = error({ n_out: 4, units: 4 });
    expect(unknown).toBeInstanceOf(NetDictError);
    expect(unknown.message).toMatch(/^Net dict entry 'g' \(class 'glu'\): unknown key\(s\) 'units'; this class takes .*n_out, activation, gate_activation, with_bias, forward_weights_init, bias_init\.$/);
  });

  // n_out is checked by the spec's own option (argsFromEntry), so the message names the class.
  it("n_out=0 gives the spec's message: \"Net dict entry 'g' (class 'glu'): n_out must be a positive integer. Received: n_out=0.\"", () => {
    expect(() => build({ n_out: 0 })).toThrow("Net dict entry 'g' (class 'glu'): n_out must be a positive integer. Received: n_out=0.");
  });
});
