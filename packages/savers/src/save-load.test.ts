// save / load of Strata checkpoints: exact keys, all-or-nothing, optimizer
// slots and state, metadata, the tfjs output format, and the argument errors.
import fs from 'node:fs';
import path from 'node:path';
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Linear, type Variable, WeightMismatchError } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, loadCheckpoint } from './checkpoint.js';
import {
  CheckpointArgumentError,
  CheckpointFileError,
  CheckpointNotFoundError,
  CheckpointWriteUnsupportedError,
  UnknownCheckpointFormatError,
} from './errors.js';
import { CheckpointMismatchError } from './mismatch-errors.js';
import { load, type OptimizerCheckpointState, type OptimizerJsonState, save } from './save-load.js';
import { useTempDir } from './test-utils/temp-dir.js';

/** A built Linear layer named `name`: variables `name/kernel` [inputs, units] and `name/bias` [units]. */
function linear(name: string, units: number, inputs = 4): Linear {
  const layer = new Linear({ name, units });
  layer.apply(ops.tensor(new Float32Array(2 * inputs), [2, inputs]));
  return layer;
}
/** `{ variables }` of several layers, as one model. */
const model = (...layers: Linear[]) => ({ variables: layers.flatMap((l) => l.variables) });

/** Sets every variable to distinct values `offset, offset + 1, ...`; returns them as arrays. */
function fill(vars: readonly Variable[], offset: number): number[][] {
  return vars.map((v, i) => {
    const values = Float32Array.from({ length: v.shape.reduce((a, b) => a * b, 1) }, (_, j) => offset + 100 * i + j);
    const t = ops.tensor(values, v.shape);
    v.assign(t);
    ops.dispose(t);
    return Array.from(values);
  });
}
const read = (vars: readonly Variable[]) => vars.map((v) => Array.from(v.readSync()));

/** An optimizer with one slot `m` per variable, as the engine's optimizers expose them (backend variables, not core Variables). */
class SlotOptimizer implements OptimizerCheckpointState {
  readonly slotVars = new Map<string, Tensor>();
  state: OptimizerJsonState = { iterations: 0, learningRate: 0.1 };
  createdFor: string[] = [];
  slots() {
    return [...this.slotVars].map(([name, value]) => ({ name, value }));
  }
  createSlots(variables: readonly Variable[]) {
    for (const v of variables) {
      this.createdFor.push(v.path);
      if (!this.slotVars.has(`${v.path}/m`)) this.slotVars.set(`${v.path}/m`, getBackend().variable(ops.zeros(v.shape), false));
    }
  }
  getState() {
    return { ...this.state };
  }
  setState(state: OptimizerJsonState) {
    this.state = { iterations: state.iterations, learningRate: state.learningRate };
  }
  values(): number[][] {
    return this.slots().map((s) => Array.from(ops.readSync(s.value)));
  }
}

const dir = useTempDir('strata-save-load-');
const p = (name: string) => path.join(dir(), name);
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('save / load: Strata checkpoints by exact keys', () => {
  it('round-trips a layer keyed by variable.path, with metadata, format and checksum', async () => {
    const src = linear('dense', 3);
    const values = fill(src.variables, 1);
    await save(src, p('ckpt/model.safetensors'), { metadata: { epoch: '4', step: '400', configHash: 'cafe' } });

    const raw = await loadCheckpoint(p('ckpt/model.safetensors'));
    expect([...raw.tensors.keys()].sort()).toEqual(['dense/bias', 'dense/kernel']);
    expect(raw.tensors.get('dense/kernel')!.shape).toEqual([4, 3]);
    expect(raw.sha256).toMatch(/^[0-9a-f]{64}$/);

    const dst = linear('dense', 3);
    fill(dst.variables, 1000);
    const result = await load(dst, p('ckpt/model.safetensors'));
    expect(result).toEqual({ format: 'safetensors', metadata: { format: CHECKPOINT_FORMAT, epoch: '4', step: '400', configHash: 'cafe' } });
    expect(read(dst.variables)).toEqual(values);
  });

  it('lists missing, unexpected and shape differences, and assigns nothing', async () => {
    await save(model(linear('enc', 3), linear('old', 2)), p('model.safetensors'), { metadata: { configHash: 'h1' } });
    const network = model(linear('enc', 5), linear('new', 2));
    const before = fill(network.variables, 7);

    const err = (await load(network, p('model.safetensors')).catch((e: unknown) => e)) as CheckpointMismatchError;
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect(err).toBeInstanceOf(WeightMismatchError);
    expect(err.missing).toEqual(['new/kernel', 'new/bias']);
    expect(err.unexpected.slice().sort()).toEqual(['old/bias', 'old/kernel']);
    expect(err.mismatched.map((m) => m.name)).toEqual(['enc/kernel', 'enc/bias']);
    expect(err.message).toContain(p('model.safetensors'));
    expect(err.message).toContain('missing in checkpoint (2): new/kernel, new/bias');
    expect(err.message).toContain('enc/kernel: checkpoint [4, 3] float32, network [4, 5] float32');
    expect(err.message).toMatch(/Hint: .*configHash=h1/);
    expect(read(network.variables)).toEqual(before);
  });

  it('assigns nothing even when most variables match; ignoreMissing loads what is there and keeps the rest', async () => {
    const src = model(linear('a', 3), linear('b', 3));
    const values = fill(src.variables, 1);
    await save(src, p('model.safetensors'));
    const network = model(linear('a', 3), linear('b', 3), linear('c', 1));
    const before = fill(network.variables, 50);
    await expect(load(network, p('model.safetensors'))).rejects.toThrow(/missing in checkpoint \(2\): c\/kernel, c\/bias\n.*ignoreMissing/s);
    expect(read(network.variables)).toEqual(before);

    await load(network, p('model.safetensors'), { ignoreMissing: true });
    expect(read(network.variables)).toEqual([...values, ...before.slice(4)]);
  });

  it('a Strata checkpoint of another network fails by exact keys (no silent mapping) and says how to map it', async () => {
    await save(linear('old', 2), p('model.safetensors'));
    const err = await load(linear('new', 2), p('model.safetensors')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect((err as Error).message).toMatch(/mapping/);
  });

  it('throws CheckpointNotFoundError for a missing file', async () => {
    await expect(load(linear('a', 1), p('none.safetensors'))).rejects.toThrow(CheckpointNotFoundError);
  });
});

describe('save / load with an optimizer', () => {
  it('saves slots under optimizer/ and the state as metadata; restores both into a fresh optimizer', async () => {
    const net = linear('net', 3);
    const weights = fill(net.variables, 1);
    const opt = new SlotOptimizer();
    opt.createSlots(net.variables);
    opt.slots().forEach((s, i) => ops.tidy(() => getBackend().assign(s.value, ops.fill(s.value.shape, i + 0.5))));
    opt.state = { iterations: 12, learningRate: 0.003 };
    await save(net, p('train.safetensors'), { optimizer: opt, metadata: { epoch: '2', step: '12' } });

    const raw = await loadCheckpoint(p('train.safetensors'));
    expect([...raw.tensors.keys()].sort()).toEqual(['net/bias', 'net/kernel', 'optimizer/net/bias/m', 'optimizer/net/kernel/m']);
    expect(JSON.parse(raw.metadata['optimizer']!)).toEqual({ iterations: 12, learningRate: 0.003 });

    const net2 = linear('net', 3);
    const opt2 = new SlotOptimizer();
    const { metadata } = await load(net2, p('train.safetensors'), { optimizer: opt2 });
    expect(metadata).toMatchObject({ epoch: '2', step: '12' });
    expect(opt2.createdFor).toEqual(['net/kernel', 'net/bias']);
    expect(opt2.state).toEqual({ iterations: 12, learningRate: 0.003 });
    expect(opt2.values()).toEqual(opt.values());
    expect(read(net2.variables)).toEqual(weights);

    // Without an optimizer the slots are ignored (evaluation).
    const net3 = linear('net', 3);
    await load(net3, p('train.safetensors'));
    expect(read(net3.variables)).toEqual(weights);
  });

  it('an optimizer for a checkpoint without slots fails (nothing assigned) unless ignoreMissing', async () => {
    const net = linear('net', 2);
    const weights = fill(net.variables, 1);
    await save(net, p('weights.safetensors'));
    const net2 = linear('net', 2);
    const before = fill(net2.variables, 9);
    const err = await load(net2, p('weights.safetensors'), { optimizer: new SlotOptimizer() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect((err as Error).message).toMatch(/missing in checkpoint \(2\): optimizer\/net\/kernel\/m, optimizer\/net\/bias\/m[\s\S]*saved without that optimizer/);
    expect(read(net2.variables)).toEqual(before);
    const opt = new SlotOptimizer();
    await load(net2, p('weights.safetensors'), { optimizer: opt, ignoreMissing: true });
    expect(read(net2.variables)).toEqual(weights);
    expect(opt.state).toEqual({ iterations: 0, learningRate: 0.1 });
  });

  it('a corrupt optimizer state in the metadata fails before anything is assigned', async () => {
    const net = linear('net', 2);
    const opt = new SlotOptimizer();
    opt.createSlots(net.variables);
    opt.state = { iterations: -1, learningRate: 0.1 };
    await save(net, p('bad.safetensors'), { optimizer: opt });
    const net2 = linear('net', 2);
    const before = fill(net2.variables, 3);
    const err = await load(net2, p('bad.safetensors'), { optimizer: new SlotOptimizer() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect((err as Error).message).toMatch(/metadata 'optimizer' is .*not JSON of an optimizer state/);
    expect(read(net2.variables)).toEqual(before);
  });
});

describe('save: other formats and bad arguments', () => {
  it("format 'tfjs' writes model.json + shards atomically; load reads it back by exact keys", async () => {
    const src = linear('dense', 3);
    const values = fill(src.variables, 1);
    await save(src, p('web'), { format: 'tfjs', metadata: { epoch: '1' } });
    expect(fs.readdirSync(p('web')).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const dst = linear('dense', 3);
    const result = await load(dst, p('web'));
    expect(result).toEqual({ format: 'tfjs', metadata: { format: CHECKPOINT_FORMAT, epoch: '1' } });
    expect(read(dst.variables)).toEqual(values);
  });

  it('refuses formats it does not write, unbuilt models, bad metadata and clashing paths; nothing is written', async () => {
    const net = linear('net', 2);
    await expect(save(net, p('m.keras'), { format: 'keras' as 'tfjs' })).rejects.toThrow(CheckpointWriteUnsupportedError);
    await expect(save(net, p('m.bin'), { format: 'pickle' as 'tfjs' })).rejects.toThrow(UnknownCheckpointFormatError);

    const unbuilt = new Linear({ name: 'fresh', units: 2 });
    const noVars = await save(unbuilt, p('x.safetensors')).catch((e: unknown) => e);
    expect(noVars).toBeInstanceOf(CheckpointArgumentError);
    expect((noVars as Error).message).toMatch(/'fresh' has no variables, so there is nothing to save\. .*call the model once/);
    await expect(load(unbuilt, p('x.safetensors'))).rejects.toThrow(/'fresh' has no variables, so there is nothing to load/);
    await expect(save({} as never, p('x.safetensors'))).rejects.toThrow(/no 'variables' list/);

    await expect(save(net, p('x.safetensors'), { metadata: { epoch: 3 as unknown as string } })).rejects.toThrow(/metadata 'epoch' is a number.*String\(value\)/);
    await expect(save(net, p('x.safetensors'), { metadata: { optimizer: '{}' } })).rejects.toThrow(/metadata key 'optimizer' is reserved/);
    await expect(save(net, p('x.safetensors'), { metadata: { 'strata.sha256': 'x' } })).rejects.toThrow(CheckpointArgumentError);
    await expect(save(net, p('x.safetensors'), { metadata: { format: 'mine' } })).rejects.toThrow(/metadata 'format' is 'mine'/);
    const twin = linear('net', 2);
    await expect(save({ variables: [...net.variables, ...twin.variables] }, p('x.safetensors'))).rejects.toThrow(/two tensors have the checkpoint key 'net\/kernel'/);
    expect(fs.readdirSync(dir())).toEqual([]);
  });

  it('a failed save keeps the previous file', async () => {
    const net = linear('net', 2);
    await save(net, p('keep.safetensors'), { metadata: { epoch: '1' } });
    const before = fs.readFileSync(p('keep.safetensors'));
    await expect(save(net, p('keep.safetensors'), { metadata: { epoch: 2 as unknown as string } })).rejects.toThrow(CheckpointArgumentError);
    expect(fs.readFileSync(p('keep.safetensors')).equals(before)).toBe(true);
    expect(fs.readdirSync(dir())).toEqual(['keep.safetensors']);
  });
});
