// self_attention inside a rec unit, one frame per step (keys/values kept over frames), equals core's SelfAttention
// with attentionLeftOnly over the whole sequence given the same QKV: forward and gradients (tfjs-cpu, atol 1e-5);
// and what RETURNN asserts there (attention_left_only) is an error.
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { SelfAttention } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';
import { SelfAttentionStep } from './self-attention-step.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const [B, T, F] = [2, 4, 5];
const args = { numHeads: 2, totalKeyDim: 4, units: 6, attentionLeftOnly: true };
const read = (t: Tensor) => Array.from(ops.readSync(t));
const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5));

describe('SelfAttentionStep', () => {
  it('frame by frame equals the left-only self-attention over the sequence (forward and gradients)', () => {
    const x = ops.tensor(Float32Array.from({ length: B * T * F }, (_, i) => Math.sin(i * 0.7)), [B, T, F]);
    const full = new SelfAttention({ ...args, name: 'a' });
    full.apply(x);
    const step = new SelfAttentionStep({ ...args, name: 'a' });
    step.build([null, F]);
    step.qkv.assign(full.qkv.value);
    const w = ops.tensor(Float32Array.from({ length: B * T * 6 }, (_, i) => Math.cos(i)), [B, T, 6]);
    const frames = (xs: Tensor) => {
      let prev: [Tensor, Tensor] | undefined;
      const outs = ops.unstack(xs, 1).map((xt) => {
        const r = step.step(xt, prev);
        prev = [r.keys, r.values];
        return ops.reshape(r.output, [B, 1, 6]);
      });
      return ops.concat(outs, 1);
    };
    const b = getBackend();
    const run = (f: (xs: Tensor) => Tensor, v: Tensor) => {
      const xv = b.variable(x, true);
      const { value, grads } = b.valueAndGrads(() => ({ value: ops.sum(ops.mul(f(xv), w)) }), [xv, v]);
      return [read(value), ...grads.map(read)];
    };
    const got = run(frames, step.qkv.value);
    const want = run((xs) => full.apply(xs), full.qkv.value);
    got.forEach((g, i) => close(g, want[i]!));
  });

  it('refuses attention_left_only false inside a rec unit (RETURNN asserts it)', () => {
    const net = {
      output: { class: 'rec', from: 'data', unit: { output: { class: 'self_attention', from: 'data:source', num_heads: 1, total_key_dim: 2, n_out: 2 } } },
    } as unknown as NetDict;
    expect(() => NetDictNetwork.fromDict(net, { externData: { data: { dim: 3 } } })).toThrow(/asserts attention_left_only/);
  });
});

describe('self_attention in a rec unit: initial_state (RETURNN k_left/v_left before the first frame)', () => {
  const unit = (initial: unknown): NetDict =>
    ({
      output: {
        class: 'rec',
        from: 'data',
        unit: {
          att: { class: 'self_attention', from: 'data:source', attention_left_only: true, num_heads: 1, total_key_dim: 2, n_out: 2, initial_state: initial },
          output: { class: 'copy', from: 'att' },
        },
      },
    }) as never;
  it('takes "zeros" (no frames, as without it) and refuses keep_over_epoch, naming the key and why', () => {
    expect(() => NetDictNetwork.fromDict(unit('zeros'), { externData: { data: { dim: 3 } } as never })).not.toThrow();
    expect(() => NetDictNetwork.fromDict(unit('keep_over_epoch'), { externData: { data: { dim: 3 } } as never })).toThrow(
      /initial_state "keep_over_epoch" is not supported\. RETURNN starts the attended keys and values \(k_left, v_left\) from it/,
    );
  });
});
