// save / load of @strata/savers with the engine's Adam: the seeds' (000–002)
// "these variables can be passed to a Saver to save or restore the Network,
// typically alongside a global step and Optimizer variables when
// checkpointing during training".
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, Linear } from '@strata/core';
import { Network } from '@strata/network';
import { CHECKPOINT_FORMAT, CheckpointArgumentError, CheckpointMismatchError, load, loadCheckpoint, save, saveCheckpoint } from '@strata/savers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoints.js';
import { Adam } from './optimizers/adam.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-save-load-'));
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

function fresh(seed = 7): { net: TwoLayerNetwork; opt: Adam } {
  const net = new TwoLayerNetwork({ name: 'net', seed });
  net.apply(ops.ones([1, 8]));
  return { net, opt: new Adam({ learningRate: 0.01 }) };
}

describe('save / load of a network with its optimizer and global step (seeds 000–002: a Saver "alongside a global step and Optimizer variables")', () => {
  it('a round trip restores values, global step and Adam slots, and training continues identically', async () => {
    const a = fresh();
    for (let i = 0; i < 3; i++) trainStep(a.net, a.opt);
    const path = join(dir, 'net.safetensors');
    await save(a.net, path, { optimizer: a.opt, metadata: { step: String(a.opt.iterations), epoch: '1' } });
    const savedWeights = a.net.getWeights();
    const savedState = a.opt.getState({ slots: true });
    const lossesA = [0, 1, 2].map(() => trainStep(a.net, a.opt));

    // A new process, in effect: new network (other initial values), new optimizer.
    const b = { net: new TwoLayerNetwork({ name: 'net', seed: 99 }), opt: new Adam({ learningRate: 0.5 }) };
    b.net.apply(ops.ones([1, 8]));
    expect(b.net.getWeights()[0]).not.toEqual(savedWeights[0]);
    const { metadata, format, report } = await load(b.net, path, { optimizer: b.opt });
    expect({ format, report }).toEqual({ format: 'safetensors', report: undefined });
    expect(metadata).toMatchObject({ step: '3', epoch: '1', format: CHECKPOINT_FORMAT });
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

  it('writes one safetensors file with the variable paths, the optimizer slots and the step; no temp file; the engine reads it', async () => {
    const a = fresh();
    trainStep(a.net, a.opt);
    trainStep(a.net, a.opt);
    const path = join(dir, 'keys.safetensors');
    await save(a.net, path, { optimizer: a.opt, metadata: { step: '2' } });
    const ckpt = await loadCheckpoint(path);
    const keys = [...ckpt.tensors.keys()].sort();
    expect(keys.filter((k) => !k.startsWith('optimizer/'))).toEqual(['net/dense/bias', 'net/dense/kernel', 'net/dense_1/bias', 'net/dense_1/kernel']);
    expect(keys.filter((k) => k.startsWith('optimizer/'))).toHaveLength(8);
    expect(keys).toContain('optimizer/net/dense_1/bias/velocity');
    expect(ckpt.metadata.step).toBe('2');
    expect(JSON.parse(ckpt.metadata.optimizer!)).toEqual({ iterations: 2, learningRate: 0.01 });
    expect(readdirSync(dir).filter((n) => n.startsWith('keys'))).toEqual(['keys.safetensors']);
    // The engine's wrappers read and write the same file.
    const c = fresh();
    expect((await loadTrainingCheckpoint(path, c.net.variables, c.opt)).step).toBe(2);
    expect(c.opt.getState({ slots: true })).toEqual(a.opt.getState({ slots: true }));
    await saveTrainingCheckpoint(join(dir, 'engine.safetensors'), c.net.variables, c.opt, { epoch: 4, step: 2, configHash: 'h' });
    const d = fresh(11);
    expect((await load(d.net, join(dir, 'engine.safetensors'), { optimizer: d.opt })).metadata).toMatchObject({ epoch: '4', step: '2', configHash: 'h' });
    expect(d.net.getWeights()).toEqual(a.net.getWeights());
  });

  it('loads a checkpoint written before save/load existed (weights, optimizer/ slots, optimizer JSON state)', async () => {
    const a = fresh();
    trainStep(a.net, a.opt);
    const path = join(dir, 'old.safetensors');
    await saveCheckpoint(
      path,
      [
        ...a.net.variables.map((v) => ({ name: v.path, shape: v.shape, dtype: v.dtype, data: v.readSync() })),
        ...a.opt.slots().map((s) => ({ name: `optimizer/${s.name}`, shape: s.value.shape, dtype: 'float32' as const, data: ops.readSync(s.value) })),
      ],
      { format: CHECKPOINT_FORMAT, epoch: '1', step: '1', configHash: '', optimizer: JSON.stringify(a.opt.getState()) },
    );
    const b = fresh(5);
    await load(b.net, path, { optimizer: b.opt });
    expect(b.net.getWeights()).toEqual(a.net.getWeights());
    expect(b.opt.getState({ slots: true })).toEqual(a.opt.getState({ slots: true }));
  });

  it('without an optimizer: weights and step only; loading for evaluation ignores optimizer slots', async () => {
    const a = fresh();
    trainStep(a.net, a.opt);
    const weightsOnly = join(dir, 'weights.safetensors');
    await save(a.net, weightsOnly, { metadata: { step: '12' } });
    expect([...(await loadCheckpoint(weightsOnly)).tensors.keys()]).toHaveLength(4);
    const b = fresh();
    expect((await load(b.net, weightsOnly)).metadata.step).toBe('12');
    expect(b.net.getWeights()).toEqual(a.net.getWeights());

    const full = join(dir, 'full.safetensors');
    await save(a.net, full, { optimizer: a.opt });
    const c = fresh();
    await load(c.net, full);
    expect(c.net.getWeights()).toEqual(a.net.getWeights());
  });

  it('errors: an unbuilt network (no variables) and a mismatching network; nothing is written or changed', async () => {
    const unbuilt = new TwoLayerNetwork({ name: 'net' });
    const err = await save(unbuilt, join(dir, 'x.safetensors')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointArgumentError);
    expect((err as Error).message).toMatch(/'net' has no variables, so there is nothing to save\. .*call the model once \(or build it/);
    await expect(load(unbuilt, join(dir, 'x.safetensors'))).rejects.toThrow(CheckpointArgumentError);
    expect(readdirSync(dir).some((n) => n.startsWith('x.'))).toBe(false);

    const a = fresh();
    const path = join(dir, 'other.safetensors');
    await save(a.net, path);
    const renamed = new TwoLayerNetwork({ name: 'renamed' });
    renamed.apply(ops.ones([1, 8]));
    const before = renamed.getWeights();
    await expect(load(renamed, path)).rejects.toThrow(CheckpointMismatchError);
    expect(renamed.getWeights()).toEqual(before);
  });
});
