import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, LayerNotBuiltError, Linear } from '@strata/core';
import { Network } from '@strata/network';
import { CheckpointMismatchError, loadCheckpoint } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingCheckpoint } from './checkpoints.js';
import { EngineConfigError } from './errors.js';
import { restoreNetworkCheckpoint, saveNetworkCheckpoint } from './network-checkpoint.js';
import { Adam } from './optimizers/adam.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-netckpt-'));
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The seeds' TwoLayerNetwork (000–002), with a relu between the layers.
class TwoLayerNetwork extends Network {
  layerOne = new Linear({ units: 16, activation: 'relu' });
  layerTwo = new Linear({ units: 1 });
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.layerTwo.apply(this.layerOne.apply(inputs, ctx), ctx);
  }
}

const X = Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i * 0.7));
const Y = [0.5, -1, 2, 0.25];

/** One Adam step on mean((net(x) - y)^2); returns the loss before the step. */
function trainStep(net: Network, opt: Adam): number {
  const vars = net.trainableVariables;
  const x = ops.tensor(X, [4, 8]);
  const y = ops.tensor(Y, [4, 1]);
  const { value, grads, aux } = getBackend().valueAndGrads(() => ({ value: ops.mean(ops.square(ops.sub(net.apply(x), y))) }), vars.map((v) => v.value));
  const loss = ops.item(value);
  opt.apply(vars, grads);
  getBackend().dispose([value, ...grads, ...aux, x, y]);
  return loss;
}

function fresh(): { net: TwoLayerNetwork; opt: Adam } {
  const net = new TwoLayerNetwork({ name: 'net', seed: 7 });
  net.apply(ops.ones([1, 8]));
  return { net, opt: new Adam({ learningRate: 0.01 }) };
}

describe('saveNetworkCheckpoint / restoreNetworkCheckpoint (seeds 000–002: variables "alongside a global step and Optimizer variables")', () => {
  it('a round trip restores values, global step and Adam slots, and training continues identically', async () => {
    const a = fresh();
    for (let i = 0; i < 3; i++) trainStep(a.net, a.opt);
    const path = join(dir, 'net.safetensors');
    await saveNetworkCheckpoint(path, { network: a.net, optimizer: a.opt, globalStep: 3, epoch: 1 });
    const savedWeights = a.net.getWeights();
    const savedState = a.opt.getState({ slots: true });
    const lossesA = [0, 1, 2].map(() => trainStep(a.net, a.opt));

    // A new process, in effect: new network (other initial values), new optimizer.
    const b = { net: new TwoLayerNetwork({ name: 'net', seed: 99 }), opt: new Adam({ learningRate: 0.5 }) };
    b.net.apply(ops.ones([1, 8]));
    expect(b.net.getWeights()[0]).not.toEqual(savedWeights[0]);
    const restored = await restoreNetworkCheckpoint(path, { network: b.net, optimizer: b.opt });
    expect(restored).toEqual({ globalStep: 3, epoch: 1 });
    expect(b.net.getWeights()).toEqual(savedWeights);
    expect(b.opt.iterations).toBe(3);
    expect(b.opt.learningRate).toBe(0.01);
    const state = b.opt.getState({ slots: true });
    expect(state.slots!.map((s) => s.name)).toEqual([
      'net/dense/kernel/momentum', 'net/dense/kernel/velocity', 'net/dense/bias/momentum', 'net/dense/bias/velocity',
      'net/dense_1/kernel/momentum', 'net/dense_1/kernel/velocity', 'net/dense_1/bias/momentum', 'net/dense_1/bias/velocity',
    ]);
    expect(state).toEqual(savedState);
    expect(state.slots!.every((s) => Array.from(s.values).some((v) => v !== 0))).toBe(true);

    const lossesB = [0, 1, 2].map(() => trainStep(b.net, b.opt));
    expect(lossesB).toEqual(lossesA);
    expect(b.net.getWeights()).toEqual(a.net.getWeights());
    expect(lossesA[2]!).toBeLessThan(lossesA[0]!);
  });

  it('writes one safetensors file with the variable paths, the optimizer slots and the step; no temp file is left', async () => {
    const a = fresh();
    trainStep(a.net, a.opt);
    trainStep(a.net, a.opt);
    const path = join(dir, 'keys.safetensors');
    await saveNetworkCheckpoint(path, { network: a.net, optimizer: a.opt });
    const ckpt = await loadCheckpoint(path);
    const keys = [...ckpt.tensors.keys()].sort();
    expect(keys.filter((k) => !k.startsWith('optimizer/'))).toEqual(['net/dense/bias', 'net/dense/kernel', 'net/dense_1/bias', 'net/dense_1/kernel']);
    expect(keys.filter((k) => k.startsWith('optimizer/'))).toHaveLength(8);
    expect(keys).toContain('optimizer/net/dense_1/bias/velocity');
    // The global step defaults to the optimizer's step count.
    expect(ckpt.metadata.step).toBe('2');
    expect(JSON.parse(ckpt.metadata.optimizer!)).toEqual({ iterations: 2, learningRate: 0.01 });
    expect(readdirSync(dir).filter((n) => n.startsWith('keys'))).toEqual(['keys.safetensors']);
    // The engine's own loader reads it.
    const c = fresh();
    expect((await loadTrainingCheckpoint(path, c.net.variables)).step).toBe(2);
  });

  it('without an optimizer: weights and step only; restoring for evaluation ignores optimizer slots', async () => {
    const a = fresh();
    trainStep(a.net, a.opt);
    const weightsOnly = join(dir, 'weights.safetensors');
    await saveNetworkCheckpoint(weightsOnly, { network: a.net, globalStep: 12 });
    expect([...(await loadCheckpoint(weightsOnly)).tensors.keys()]).toHaveLength(4);
    const b = fresh();
    expect(await restoreNetworkCheckpoint(weightsOnly, { network: b.net })).toEqual({ globalStep: 12, epoch: 0 });
    expect(b.net.getWeights()).toEqual(a.net.getWeights());

    const full = join(dir, 'full.safetensors');
    await saveNetworkCheckpoint(full, { network: a.net, optimizer: a.opt });
    const c = fresh();
    await restoreNetworkCheckpoint(full, { network: c.net });
    expect(c.net.getWeights()).toEqual(a.net.getWeights());
  });

  it('errors: unbuilt network (nothing to save/restore), bad global step, mismatching network; nothing changes', async () => {
    const unbuilt = new TwoLayerNetwork({ name: 'net' });
    await expect(saveNetworkCheckpoint(join(dir, 'x.safetensors'), { network: unbuilt })).rejects.toThrow(LayerNotBuiltError);
    await expect(restoreNetworkCheckpoint(join(dir, 'x.safetensors'), { network: unbuilt })).rejects.toThrow(/restoreNetworkCheckpoint/);
    const a = fresh();
    await expect(saveNetworkCheckpoint(join(dir, 'x.safetensors'), { network: a.net, globalStep: -1 })).rejects.toThrow(EngineConfigError);
    await expect(saveNetworkCheckpoint(join(dir, 'x.safetensors'), { network: a.net, globalStep: 1.5 })).rejects.toThrow(/globalStep=1.5/);
    expect(readdirSync(dir).some((n) => n.startsWith('x.'))).toBe(false);

    const path = join(dir, 'other.safetensors');
    await saveNetworkCheckpoint(path, { network: a.net });
    const renamed = new TwoLayerNetwork({ name: 'renamed' });
    renamed.apply(ops.ones([1, 8]));
    const before = renamed.getWeights();
    await expect(restoreNetworkCheckpoint(path, { network: renamed })).rejects.toThrow(CheckpointMismatchError);
    expect(renamed.getWeights()).toEqual(before);
  });
});
