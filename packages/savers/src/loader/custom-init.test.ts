// CustomCheckpointLoader's set_as_custom_init and VariableValue.assign_var on tfjs-cpu variables.
import { getBackend, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../errors.js';
import { CheckpointMappingError } from '../mismatch-errors.js';
import { CheckpointLoader } from './checkpoint-loader.js';
import { assignVariableValue, setAsCustomInit } from './custom-init.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

function variable(scope: string, name: string, shape: number[]): Variable {
  const init = ops.fill(shape, -1);
  const v = new Variable({ owner: { scopeName: scope, effectiveTrainable: true }, name, value: getBackend().variable(init, true) });
  ops.dispose(init);
  return v;
}

describe('CustomCheckpointLoader.set_as_custom_init / VariableValue.assign_var', () => {
  it('registers one post-init per variable; running them assigns the checkpoint values', () => {
    const w = variable('net/out', 'kernel', [2, 2]);
    const b = variable('net/out', 'bias', [2]);
    const loader = new CheckpointLoader({
      tensors: [
        { name: 'net/out/kernel', shape: [2, 2], dtype: 'float32', data: Float32Array.from([1, 2, 3, 4]) },
        { name: 'net/out/bias', shape: [2], dtype: 'float32', data: Float32Array.from([5, 6]) },
      ],
      variables: [w, b],
    });
    const registered = new Map<Variable, (v: Variable) => void>();
    expect(setAsCustomInit(loader, { setCustomPostInit: (v, fn) => registered.set(v, fn) })).toBe(2);
    expect(Array.from(w.readSync())).toEqual([-1, -1, -1, -1]); // nothing assigned until the network initialises
    for (const [v, fn] of registered) fn(v);
    expect(Array.from(w.readSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.readSync())).toEqual([5, 6]);
  });

  it('a checkpoint that cannot be mapped fails at registration; a value of another shape is refused', () => {
    const w = variable('net/out', 'kernel', [2, 2]);
    const loader = new CheckpointLoader({ tensors: [{ name: 'other', shape: [1], dtype: 'float32', data: Float32Array.from([0]) }], variables: [w] });
    const registered: Variable[] = [];
    expect(() => setAsCustomInit(loader, { setCustomPostInit: (v) => registered.push(v) })).toThrow(CheckpointMappingError);
    expect(registered).toEqual([]);
    const value = { name: 'net/out/kernel', shape: [4], dtype: 'float32' as const, data: Float32Array.from([1, 2, 3, 4]), origin: 'exact' as const, sources: ['ckpt:kernel'] };
    expect(() => assignVariableValue(w, value)).toThrow(CheckpointFormatError);
    expect(() => assignVariableValue(w, value)).toThrow(/the value for 'net\/out\/kernel' is float32 \[4\], the variable float32 \[2, 2\]/);
    expect(Array.from(w.readSync())).toEqual([-1, -1, -1, -1]);
  });
});
