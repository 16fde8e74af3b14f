import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Linear, type Variable, WeightMismatchError } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, loadCheckpoint } from './checkpoint.js';
import { CheckpointMismatchError, CheckpointNotFoundError } from './errors.js';
import { loadVariables, saveVariables } from './variables.js';
import { useTempDir } from './test-utils/temp-dir.js';

/** The variables of a built Linear layer named `name`: `name/kernel` [inputs, units] and `name/bias` [units]. */
function linear(name: string, units: number, inputs = 4): Variable[] {
  const layer = new Linear({ name, units });
  layer.apply(ops.tensor(new Float32Array(2 * inputs), [2, inputs]));
  return layer.weights;
}

/** Sets every variable to distinct values `offset, offset + 1, ...` and returns them. */
function fill(vars: Variable[], offset: number): Float32Array[] {
  return vars.map((v, i) => {
    const values = Float32Array.from({ length: v.value.shape.reduce((a, b) => a * b, 1) }, (_, j) => offset + 100 * i + j);
    const t = ops.tensor(values, v.shape);
    v.assign(t);
    ops.dispose(t);
    return values;
  });
}

const read = (vars: Variable[]) => vars.map((v) => Array.from(v.readSync()));

const dir = useTempDir('strata-savers-');
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('saveVariables / loadVariables', () => {
  it('round-trips values keyed by variable.path and returns the metadata', async () => {
    const file = path.join(dir(), 'ckpt', 'model.safetensors');
    const src = linear('dense', 3);
    const values = fill(src, 1);
    const meta = { epoch: '4', step: '400', configHash: 'cafe', format: CHECKPOINT_FORMAT };
    await saveVariables(file, src, meta);

    const { tensors } = await loadCheckpoint(file);
    expect([...tensors.keys()].sort()).toEqual(['dense/bias', 'dense/kernel']);
    expect(tensors.get('dense/kernel')!.shape).toEqual([4, 3]);

    const dst = linear('dense', 3);
    fill(dst, 1000);
    expect(await loadVariables(file, dst)).toEqual(meta);
    expect(read(dst)).toEqual(values.map((v) => Array.from(v)));
  });

  it('lists missing, unexpected and shape differences, and assigns nothing', async () => {
    const file = path.join(dir(), 'model.safetensors');
    await saveVariables(file, [...linear('enc', 3), ...linear('old', 2)], { configHash: 'h1' });
    const network = [...linear('enc', 5), ...linear('new', 2)];
    const before = fill(network, 7).map((v) => Array.from(v));

    const err = (await loadVariables(file, network).catch((e: unknown) => e)) as CheckpointMismatchError;
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect(err).toBeInstanceOf(WeightMismatchError);
    expect(err.missing).toEqual(['new/kernel', 'new/bias']);
    expect(err.unexpected.slice().sort()).toEqual(['old/bias', 'old/kernel']);
    expect(err.mismatched.map((m) => m.name)).toEqual(['enc/kernel', 'enc/bias']);
    expect(err.message).toContain(file);
    expect(err.message).toContain('missing in checkpoint (2): new/kernel, new/bias');
    expect(err.message).toMatch(/unexpected in checkpoint \(2\): old\/(kernel|bias), old\/(kernel|bias)/);
    expect(err.message).toContain('enc/kernel: checkpoint [4, 3] float32, network [4, 5] float32');
    expect(err.message).toContain('enc/bias: checkpoint [3] float32, network [5] float32');
    expect(err.message).toMatch(/Hint: .*configHash=h1/);
    expect(read(network)).toEqual(before);
  });

  it('assigns nothing even when most variables match', async () => {
    const file = path.join(dir(), 'model.safetensors');
    const src = [...linear('a', 3), ...linear('b', 3)];
    fill(src, 1);
    await saveVariables(file, src);
    const network = [...linear('a', 3), ...linear('b', 3), ...linear('c', 1)];
    const before = fill(network, 50).map((v) => Array.from(v));
    await expect(loadVariables(file, network)).rejects.toThrow(/missing in checkpoint \(2\): c\/kernel, c\/bias\n.*ignoreMissing/s);
    expect(read(network)).toEqual(before);
  });

  it('with ignoreMissing, loads what the checkpoint has and keeps the rest', async () => {
    const file = path.join(dir(), 'model.safetensors');
    const src = linear('a', 3);
    const values = fill(src, 1);
    await saveVariables(file, src);
    const extra = linear('head', 2);
    const extraValues = fill(extra, 500).map((v) => Array.from(v));
    const network = [...linear('a', 3), ...extra];
    await loadVariables(file, network, { ignoreMissing: true });
    expect(read(network.slice(0, 2))).toEqual(values.map((v) => Array.from(v)));
    expect(read(extra)).toEqual(extraValues);
  });

  it('with ignoreUnexpectedPrefixes, skips checkpoint keys under those prefixes only', async () => {
    const file = path.join(dir(), 'model.safetensors');
    const src = [...linear('net', 3), ...linear('optimizer/net', 3), ...linear('extra', 1)];
    const values = fill(src, 1);
    await saveVariables(file, src);
    const network = linear('net', 3);
    await expect(loadVariables(file, network, { ignoreUnexpectedPrefixes: ['optimizer/'] })).rejects.toThrow(
      /unexpected in checkpoint \(2\): extra\/(kernel|bias), extra\/(kernel|bias)\n/,
    );
    await loadVariables(file, network, { ignoreUnexpectedPrefixes: ['optimizer/', 'extra/'] });
    expect(read(network)).toEqual(values.slice(0, 2).map((v) => Array.from(v)));
  });

  it('throws CheckpointNotFoundError for a missing file', async () => {
    await expect(loadVariables(path.join(dir(), 'none.safetensors'), linear('a', 1))).rejects.toThrow(CheckpointNotFoundError);
  });
});
