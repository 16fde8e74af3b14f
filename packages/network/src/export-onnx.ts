import type { Tensor } from '@strata/backend';
import { type CallContext, INFERENCE, sizeKey } from '@strata/core';
import { type ExportInput, type TracedModel, traceToOnnx, writeOnnxFile } from '@strata/onnx';
import { NetDictError } from './errors.js';
import type { Model } from './model.js';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** ONNX opset (17..26). Default: the highest onnxruntime 1.30 runs (26). */
  opset?: number;
  /**
   * Names of dynamic axes per input, as in `torch.onnx.export`:
   * `{ data: { 0: 'batch', 1: 'time' } }`. Axis 0 of every input is `batch`
   * unless given; an axis the ExternData marks dynamic (`null` in its shape)
   * gets `time` (`time_1`, ... for further distinct dims; inputs sharing a dim
   * tag share the symbol), and the input comes with a `<key>:size<axis>`
   * input per dynamic axis, int32 `[batch]` (`data:size1`).
   * A static axis named here becomes dynamic.
   */
  dynamicAxes?: Record<string, Record<number, string>>;
  /** Outputs the graph returns, in order (a net dict: any layer). Default: the model's outputs (`outputNames()`: for a net dict the output layers). */
  outputs?: string[];
}

/** What export needs of a model: the {@link Model} contract's inputs, outputs, variables and forward pass. */
export type ExportableNetwork = Pick<Model, 'name' | 'externData' | 'inputKeys' | 'variables' | 'outputNames' | 'outputData' | 'forward'>;

/** What an export wrote: inputs and outputs with their dims (`batch`, `time` symbolic). */
export type ExportedModel = TracedModel;

/**
 * The graph inputs of a network: every extern-data key a layer reads
 * (targets only read by losses are left out), batch axis first.
 */
export function onnxInputsOf(net: ExportableNetwork, dynamicAxes: ExportOnnxOptions['dynamicAxes'] = {}): ExportInput[] {
  // One symbol per distinct dynamic dim (shared dim tags share it): time, time_1, ...
  const symbols = new Map<unknown, string>();
  const symbolOf = (dim: unknown) => {
    if (!symbols.has(dim)) symbols.set(dim, symbols.size === 0 ? 'time' : `time_${symbols.size}`);
    return symbols.get(dim)!;
  };
  return net.inputKeys().flatMap((key) => {
    const data = net.externData.getData(key);
    const named = dynamicAxes[key] ?? {};
    const shape = [null, ...data.shape].map((size, axis) => {
      if (named[axis] !== undefined) return named[axis]!;
      if (axis === 0) return 'batch';
      return size === null ? symbolOf(data.dims[axis - 1]) : size;
    });
    const input: ExportInput = { name: key, dtype: data.dtype, shape };
    // Each dynamic axis comes with its lengths, int32 [batch]: `<key>:size<axis>` (RETURNN's ONNX export names).
    const sizes = data.dims.flatMap((d, i) => (d.isDynamic ? [{ name: sizeKey(key, i + 1), dtype: 'int32' as const, shape: ['batch'] }] : []));
    return [input, ...sizes];
  });
}

/**
 * Traces a model's inference pass into a standalone ONNX model (see
 * `traceToOnnx` of @strata/onnx): named inputs from ExternData, one output
 * per output layer named after it, weights as initializers named by their
 * checkpoint keys (`dense/kernel`), dynamic batch (and time) axes. The file
 * runs in plain onnxruntime-node / onnxruntime-web and opens in Netron.
 * Works from any backend: the weights are read from the active one.
 *
 * @throws NetDictError for an unknown output layer; BackendCapabilityError
 *   if a layer does something a graph cannot hold.
 */
export function traceNetwork(net: ExportableNetwork, opts: ExportOnnxOptions = {}): ExportedModel {
  const inputs = onnxInputsOf(net, opts.dynamicAxes);
  const outputs = opts.outputs ?? net.outputNames();
  for (const o of outputs) {
    try {
      net.outputData(o);
    } catch {
      throw new NetDictError(`exportOnnx: no output '${o}'. Outputs: ${net.outputNames().join(', ')}.`);
    }
  }
  const names = new Map<Tensor, string>(net.variables.map((v) => [v.value, v.path]));
  const ctx: CallContext = INFERENCE;
  return traceToOnnx(
    (...xs: Tensor[]) => {
      const feed = Object.fromEntries(inputs.map((i, k) => [i.name, xs[k]!]));
      const outs = net.forward(feed, ctx);
      return Object.fromEntries(outputs.map((o) => [o, outs.get(o)!.value]));
    },
    inputs,
    { opset: opts.opset, names, graphName: net.name, docString: `Strata network '${net.name}'` },
  );
}

/**
 * Exports any {@link Model} (a net dict, a `LayerModel` around a `Network`
 * subclass, ...) as a standalone ONNX file: {@link traceNetwork}, then the
 * model is written to `path` atomically.
 */
export async function exportOnnx(net: ExportableNetwork, path: string, opts: ExportOnnxOptions = {}): Promise<ExportedModel> {
  const model = traceNetwork(net, opts);
  await writeOnnxFile(path, model);
  return model;
}
