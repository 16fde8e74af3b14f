import { ops, type Tensor } from '@strata/backend';
import { Data, SelfAttention, selfAttentionLayer, type SymbolicShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { EvalEnv, LayerOutput, MaskedStateOutput, MaskedStateTransform } from './net-dict-node.js';
import { MASKED_HISTORY_KEY } from './rec-single-step.js';
import { registerNetDictClass } from './registry.js';
import { netDictClassOf } from './spec-class.js';

/**
 * RETURNN's `SelfAttentionLayer` inside a rec unit, on one frame `[batch,
 * features]` per step (`_rec_previous_layer` set): its keys and values are
 * kept over the frames (`rec_vars_outputs` `k_left`, `v_left`, empty at the
 * first frame), and the frame's query attends over all of them, its own
 * included (RETURNN asserts `attention_left_only` there). The weight is the
 * layer's `QKV` `[features, 2 * total_key_dim + n_out]` as outside a loop.
 */
export class SelfAttentionStep extends SelfAttention {
  static override readonly className: string = 'SelfAttentionStep';

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    super.build([s[0] ?? null, null, s[s.length - 1] ?? null]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    return [s[0] ?? null, this.units];
  }

  /** Inside a `masked_computation`'s unit: the mask history is kept too (RETURNN's `mask_left`). */
  maskedHistory = false;

  /**
   * One frame: `x` `[batch, features]`, the keys and values of the frames before (`[batch, heads, t, d]`,
   * undefined at the first) → the output `[batch, n_out]` and the keys and values including this frame.
   * `history` (bool `[batch, t]`, inside a masked computation): which of the frames before the mask let through;
   * the others get no attention weight (RETURNN's `mask_left`, `energy_masked_history`).
   */
  step(x: Tensor, prev: [Tensor, Tensor] | undefined, history?: Tensor): { output: Tensor; keys: Tensor; values: Tensor } {
    const h = this.numHeads;
    const dk = this.totalKeyDim / h;
    const dv = this.units / h;
    const batch = x.shape[0]!;
    // RETURNN's layout: per head a block [q (dk), k (dk), v (dv)] of QKV's columns.
    const heads = ops.reshape(ops.matMul(x, this.qkv.value), [batch, h, 1, 2 * dk + dv]);
    const q = ops.mul(ops.slice(heads, [0, 0, 0, 0], [-1, -1, -1, dk]), dk ** -0.5);
    let keys = ops.slice(heads, [0, 0, 0, dk], [-1, -1, -1, dk]);
    let values = ops.slice(heads, [0, 0, 0, 2 * dk], [-1, -1, -1, dv]);
    if (prev) {
      keys = ops.concat([prev[0], keys], 2);
      values = ops.concat([prev[1], values], 2);
    }
    // energy [batch, heads, t+1] = q · k over the key features; softmax over the frames.
    let energy = ops.sum(ops.mul(q, keys), [-1]);
    if (history) {
      // RETURNN's "energy_masked_history": frames the masked computation skipped get -inf (this frame always counts).
      const t = energy.shape[2]!;
      const seen = ops.reshape(ops.concat([history, ops.fill([batch, 1], 1, 'bool')], 1), [batch, 1, t]);
      energy = ops.where(seen, energy, ops.fill(energy.shape, -Infinity, 'float32'));
    }
    const weights = ops.softmax(energy, -1);
    const out = ops.sum(ops.mul(ops.reshape(weights, [...weights.shape, 1]), values), [2]); // [batch, heads, dv]
    return { output: ops.reshape(out, [batch, this.units]), keys, values };
  }
}

/**
 * Registers `self_attention_step`: the class a `self_attention` entry of a
 * rec unit on frames becomes (see `singleStepCells`). Its options are
 * `self_attention`'s; `attention_left_only` must be true and `key_shift` is
 * refused there. The keys and values go from frame to frame as
 * `state:<layer>:0` and `state:<layer>:1` (reordered with the hypotheses in a search).
 */
export function registerSelfAttentionStep(): void {
  const base = netDictClassOf({ ...selfAttentionLayer, cls: SelfAttentionStep });
  registerNetDictClass('self_attention_step', {
    ...base,
    seqLens: undefined,
    create: (c) => {
      if (c.entry.attention_left_only !== true) {
        throw new NetDictError(`Net dict entry '${c.name}' (class 'self_attention' on one frame per step of a rec unit): RETURNN asserts attention_left_only there (a frame attends to itself and the frames before). Set "attention_left_only": true.`);
      }
      if (c.entry.key_shift !== undefined) {
        throw new NetDictError(`Net dict entry '${c.name}' (class 'self_attention' on one frame per step of a rec unit): key_shift is not supported inside a rec unit yet. Remove "key_shift".`);
      }
      // RETURNN: `initial_state` is the keys and values before the first frame (`k_left`, `v_left`, shape
      // [batch, heads, 0, d] for zeros/ones: no frames, the same as none); keep_over_epoch keeps the previous batch's.
      const { initial_state: init, [MASKED_HISTORY_KEY]: masked, ...entry } = c.entry as Record<string, unknown>;
      if (!(init === undefined || init === null || init === 'zeros' || init === 'ones' || init === 0 || init === 1)) {
        throw new NetDictError(
          `Net dict entry '${c.name}' (class 'self_attention' on one frame per step of a rec unit): initial_state ${JSON.stringify(init)} is not supported. ` +
            `RETURNN starts the attended keys and values (k_left, v_left) from it; "zeros"/"ones" give no frames (as without it), ` +
            `while "keep_over_epoch" carries the previous batch's keys and values of every frame into the next batch, which Strata's self_attention does not keep. Remove "initial_state" or use "zeros".`,
        );
      }
      const layer = base.create({ ...c, entry: entry as typeof c.entry }) as SelfAttentionStep;
      layer.maskedHistory = masked === true;
      return layer;
    },
    outputData: (c) => new Data({ name: c.name, dims: [], dtype: 'float32' }).withShape(c.name, [(c.layer as SelfAttentionStep).units]),
    evaluate: ({ node, sources, inputs, outs }: EvalEnv): LayerOutput => {
      const layer = node.layer as SelfAttentionStep;
      const xs = sources.map((s) => s.value);
      const x = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
      const keys = [0, 1].map((i) => `state:${node.name}:${i}`);
      const prev = inputs[keys[0]!] && inputs[keys[1]!] ? ([inputs[keys[0]!]!, inputs[keys[1]!]!] as [Tensor, Tensor]) : undefined;
      if (!layer.maskedHistory) {
        const r = layer.step(x, prev);
        outs.set(keys[0]!, { value: r.keys });
        outs.set(keys[1]!, { value: r.values });
        return { value: r.output };
      }
      // Inside a masked computation (RETURNN `_assign_masked_comp_state_transform_func_callback`): the keys and values
      // grow by this frame whatever the mask (`_masked_transform_kv`), the mask history by the frame's mask
      // (`_masked_transform_mask`); before the first frame the history is empty.
      const maskKey = `state:${node.name}:2`;
      const history = inputs[maskKey];
      const r = layer.step(x, prev, prev ? history : undefined);
      const batch = x.shape[0]!;
      const keepNew: MaskedStateTransform = (value) => value;
      const grow: MaskedStateTransform = (_value, prevValue, mask) => {
        const m = ops.reshape(mask, [batch, 1]);
        return prevValue ? ops.concat([prevValue, m], 1) : m;
      };
      outs.set(keys[0]!, { value: r.keys, maskedTransform: keepNew } as MaskedStateOutput);
      outs.set(keys[1]!, { value: r.values, maskedTransform: keepNew } as MaskedStateOutput);
      const own = ops.fill([batch, 1], 1, 'bool');
      outs.set(maskKey, { value: history && prev ? ops.concat([history, own], 1) : own, maskedTransform: grow } as MaskedStateOutput);
      return { value: r.output };
    },
  });
}
