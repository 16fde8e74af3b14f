/**
 * Strata's params under RETURNN's names and layouts: the inverse of what
 * `CheckpointLoader` maps when it loads a RETURNN checkpoint, so that a
 * Strata-trained net dict can be saved as a TF tensor bundle
 * (`writeTfBundle`) that RETURNN's `TFNetwork.load_params_from_file` loads
 * into the same net dict. Per layer class (RETURNN's param names from
 * returnn/tf/layers/basic.py and rec.py, batch norm from base.py):
 *
 * | Strata layer | Strata weights | RETURNN params |
 * | --- | --- | --- |
 * | `Linear`, `Softmax` (`linear`, `softmax`) | `kernel` `[in, n]`, `bias` | `<layer>/W` `[in, n]`, `<layer>/b` |
 * | `Conv1D`, `Conv2D` (`conv`) | `kernel` `[k..., in, n]`, `bias` | `<layer>/W` `[k..., in, n]`, `<layer>/bias` (`ConvLayer` names it so) |
 * | `Rec` unit `lstm` (`rec` with `unit: "lstm"`, `"nativelstm2"`, ...) | `kernel`, `recurrent_kernel`, `bias` (gates i, f, c, o) | `<layer>/rec/W` `[in, 4u]`, `<layer>/rec/W_re` `[u, 4u]`, `<layer>/rec/b` (gates j, i, f, o: NativeLSTM2) |
 * | `BatchNorm` (`batch_norm`) | `gamma`, `beta`, `moving_mean`, `moving_variance` `[C]` | `<layer>/batch_norm/<prefix>gamma|beta|mean|variance`: `param_version` 2 `v2_` `[C]`; 1 `` `[1, 1, C]`; 0 `<layer>_<layer>_output_` `[1, 1, C]` |
 *
 * RETURNN's checkpoints also hold `global_step` (its loader requires it):
 * `options.globalStep` adds it (an int32 scalar: write it with `writeTfBundle`'s
 * option `int64: ['global_step']`, as TF restores only an int64 into RETURNN's int64 variable).
 */
import type { TensorData } from '@strata/backend';
import { BatchNorm, Conv1D, Conv2D, type Layer, Linear, Rec } from '@strata/core';
import { CheckpointArgumentError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { kerasToReturnnNativeLstm } from './lstm-layouts.js';

/** A layer of a net dict: its entry name and its (built) layer. */
export type NamedLayer = readonly [name: string, layer: Layer];

const f32 = (d: TensorData) => (d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>));

/** One layer's weight by its local name (`kernel`), built. */
function weight(layer: Layer, local: string): { shape: readonly number[]; data: Float32Array } | undefined {
  const v = layer.weights.find((w) => w.path.split('/').pop() === local);
  return v ? { shape: v.shape, data: f32(v.readSync()) } : undefined;
}

/**
 * The params of `layers` under RETURNN's names (see the module table), in
 * layer order; layers without weights give none. `batchNormParamVersion`
 * is the `param_version` RETURNN's net dict uses (2 from `behavior_version`
 * 12, 0 before); a layer's own `paramVersion` wins where it differs from the
 * default 2.
 * @throws CheckpointArgumentError naming the layer for a class or unit whose
 *   RETURNN names Strata does not know (GRU and SimpleRNN `rec` units, other
 *   classes with weights), or a layer that is not built.
 */
export function returnnParamsOf(layers: Iterable<NamedLayer>, options: { batchNormParamVersion?: 0 | 1 | 2; globalStep?: number } = {}): NamedTensorData[] {
  const out: NamedTensorData[] = [];
  const put = (name: string, shape: readonly number[], data: Float32Array) => out.push({ name, shape: [...shape], dtype: 'float32', data });
  const fail = (name: string, problem: string): never => {
    throw new CheckpointArgumentError(
      `RETURNN export, layer '${name}': ${problem} Export linear, softmax, conv, batch_norm and rec (LSTM unit) layers, built (run a forward pass first).`,
    );
  };
  for (const [name, layer] of layers) {
    if (layer.weights.length === 0) continue;
    if (layer instanceof Rec) {
      if (layer.unit !== 'lstm') fail(name, `rec unit '${layer.unit}': RETURNN's names of its params are not mapped back yet.`);
      const [k, r, b] = ['kernel', 'recurrent_kernel', 'bias'].map((l) => weight(layer, l) ?? fail(name, `no weight '${l}' (not built).`));
      const n = layer.units;
      const native = kerasToReturnnNativeLstm({ inputSize: k!.shape[0]!, units: n, kernel: k!.data, recurrentKernel: r!.data, bias: b!.data });
      put(`${name}/rec/W`, [native.inputSize, 4 * n], native.W);
      put(`${name}/rec/W_re`, [n, 4 * n], native.WRe);
      put(`${name}/rec/b`, [4 * n], native.b);
    } else if (layer instanceof BatchNorm) {
      const version = layer.paramVersion !== 2 ? layer.paramVersion : (options.batchNormParamVersion ?? 2);
      const prefix = version === 2 ? 'v2_' : version === 1 ? '' : `${name}_${name}_output_`;
      for (const [local, returnn] of [['gamma', 'gamma'], ['beta', 'beta'], ['moving_mean', 'mean'], ['moving_variance', 'variance']] as const) {
        const w = weight(layer, local);
        if (w) put(`${name}/batch_norm/${prefix}${returnn}`, version === 2 ? w.shape : [1, 1, ...w.shape], w.data);
      }
    } else if (layer instanceof Linear || layer instanceof Conv1D || layer instanceof Conv2D) {
      // Softmax extends Linear. RETURNN's LinearLayer names its bias `b`, ConvLayer `bias`.
      const k = weight(layer, 'kernel') ?? fail(name, "no weight 'kernel' (not built).");
      put(`${name}/W`, k.shape, k.data);
      const b = weight(layer, 'bias');
      if (b) put(`${name}/${layer instanceof Linear ? 'b' : 'bias'}`, b.shape, b.data);
    } else {
      fail(name, `class ${(layer.constructor as { className?: string }).className ?? layer.constructor.name}: RETURNN's names of its params are not mapped back yet.`);
    }
  }
  if (options.globalStep !== undefined) out.push({ name: 'global_step', shape: [], dtype: 'int32', data: Int32Array.of(options.globalStep) });
  return out;
}
