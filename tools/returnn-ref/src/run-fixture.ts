/**
 * Builds one RETURNN fixture's net dict in Strata, loads RETURNN's params by
 * their RETURNN names, runs the forward pass on the fixture's inputs and
 * compares every recorded output (valid frames only) and its lengths.
 */
import { ops, type Tensor } from '@strata/backend';
import { LayerArgumentError, resetEpochState } from '@strata/core';
import { type LayerOutput, NetDictError, NetDictNetwork, UnknownLayerClassError } from '@strata/network';
import { CheckpointLoader, CheckpointMappingError, type NamedTensorData } from '@strata/savers';
import type { Fixture } from './fixture.js';

/** Where the params come from: `params.safetensors` (default), or RETURNN's own TF checkpoint (`model.index`, read by the caller). */
export interface ParamsSource {
  readonly tensors: ReadonlyMap<string, NamedTensorData>;
  /** The file named in mapping errors. */
  readonly file: string;
}

/** Largest allowed |Strata − RETURNN| of a float output. */
export const TOLERANCE = 1e-5;

/**
 * Why a fixture does not match, by the first stage that failed:
 * `unknown-class` (the net dict names a class Strata lacks), `rejected-key`
 * (Strata refuses a key or value RETURNN accepts), `build-error` (any other
 * construction error), `name-mapping` (RETURNN's params cannot be mapped onto
 * Strata's variables), `forward-error` (the forward pass throws),
 * `missing-output` (a recorded layer has no output), `wrong-shape`,
 * `wrong-numbers` (max abs diff above {@link TOLERANCE}), `wrong-seq-lens`.
 */
export type FailureKind =
  | 'unknown-class'
  | 'rejected-key'
  | 'build-error'
  | 'name-mapping'
  | 'forward-error'
  | 'missing-output'
  | 'wrong-shape'
  | 'wrong-numbers'
  | 'wrong-seq-lens';

/** What {@link runFixture} found. */
export type FixtureResult = { readonly ok: true; readonly maxDiff: number } | FixtureFailure;

const firstLine = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!.slice(0, 300);

function buildKind(e: unknown): FailureKind {
  if (e instanceof UnknownLayerClassError) return 'unknown-class';
  if (e instanceof LayerArgumentError || e instanceof NetDictError) return 'rejected-key';
  return 'build-error';
}

/** Valid positions of a stored output: all but the frames past each sequence's length on its dynamic axes. */
function validMask(shape: readonly number[], sizeAxes: readonly number[], sizes: readonly (Int32Array | undefined)[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const mask = new Uint8Array(n).fill(1);
  if (!sizeAxes.length) return mask;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / strides[0]!) % shape[0]!;
    sizeAxes.forEach((axis, k) => {
      const lens = sizes[k];
      if (!lens) return;
      const pos = Math.floor(i / strides[axis]!) % shape[axis]!;
      const len = lens.length === 1 ? lens[0]! : lens[b]!;
      if (pos >= len) mask[i] = 0;
    });
  }
  return mask;
}

/** A failure of {@link runFixture}; `error` is what was thrown, if anything. */
export type FixtureFailure = { readonly ok: false; readonly kind: FailureKind; readonly detail: string; readonly error?: unknown };

/** The net built from the fixture's dict, with the params loaded, and its forward pass on the fixture's inputs. */
export interface FixtureRun {
  readonly ok: true;
  readonly net: NetDictNetwork;
  readonly outs: Map<string, LayerOutput>;
}

const paramsOf = (fx: Fixture): ParamsSource => ({ tensors: fx.params, file: `${fx.dir}/params.safetensors` });

/**
 * Builds the fixture's unmodified dict with `NetDictNetwork.fromDict` (its `extern_data` and `behavior_version`),
 * loads `params` by their RETURNN names and runs the forward pass on the fixture's inputs.
 * Never throws for a Strata failure: it is returned as a {@link FixtureFailure} with its kind.
 */
export function buildAndRun(fx: Fixture, params: ParamsSource = paramsOf(fx)): FixtureRun | FixtureFailure {
  let net: NetDictNetwork;
  try {
    net = NetDictNetwork.fromDict(fx.net.network as never, { externData: fx.net.extern_data as never, seed: 1, behaviorVersion: fx.net.behavior_version ?? undefined });
  } catch (e) {
    return { ok: false, kind: buildKind(e), detail: firstLine(e), error: e };
  }
  const batch: Record<string, Tensor> = {};
  for (const [name, t] of fx.inputs) batch[name] = ops.tensor(t.data, t.shape, t.dtype);
  try {
    // Build lazily-built layers before loading, as RETURNN has all params once constructed.
    if (fx.params.size) net.forward(batch);
    // generate.py constructs each recorded layer in RETURNN (`net.construct_layer`), making it a root with params.
    for (const o of fx.net.outputs) net.graph.explicitLayers.add(o);
    // RETURNN's get_saveable_params_list(): the params of the layers RETURNN constructs (not of layers nobody needs).
    const variables = net.params.getSaveableParamsList();
    if (fx.params.size || variables.length) {
      new CheckpointLoader({ tensors: params.tensors, variables, loadIfPrefix: `${net.name}/`, source: params.file }).loadNow();
    }
  } catch (e) {
    return { ok: false, kind: e instanceof CheckpointMappingError ? 'name-mapping' : 'forward-error', detail: firstLine(e), error: e };
  }
  try {
    // Steps 0 .. epoch_steps-2 of an epoch on the same batch, from the loaded params (the build pass above ran before them).
    resetEpochState(net);
    for (let step = 1; step < (fx.net.epoch_steps ?? 1); step++) net.forward(batch);
    return { ok: true, net, outs: net.forward(batch) };
  } catch (e) {
    return { ok: false, kind: 'forward-error', detail: firstLine(e), error: e };
  }
}

/** Compares Strata's output of the recorded layer `name` with RETURNN's: shape, values on the valid frames (max abs diff), lengths. */
export function compareOutput(fx: Fixture, run: FixtureRun, name: string): { readonly ok: true; readonly maxDiff: number } | FixtureFailure {
  const { net, outs } = run;
  const ref = fx.outputs.get(name)!;
  const meta = fx.meta[name]!;
  const got = outs.get(name)?.value;
  if (!got) return { ok: false, kind: 'missing-output', detail: `'${name}': no output in Strata's forward pass (it has ${[...outs.keys()].join(', ')}).` };
  if (got.shape.join() !== ref.shape.join()) {
    return { ok: false, kind: 'wrong-shape', detail: `'${name}': Strata [${got.shape}] vs RETURNN [${ref.shape}] (${meta.returnn_data.repr}).` };
  }
  const sizes = meta.size_axes.map((a) => fx.outputs.get(`${name}:size${a}`)?.data as Int32Array | undefined);
  const mask = validMask(ref.shape, meta.size_axes, sizes);
  const a = ops.readSync(got);
  const r = ref.data;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < r.length; i++) {
    if (!mask[i]) continue;
    const d = Math.abs(Number(a[i]) - Number(r[i]));
    if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Infinity : d, i];
  }
  if (worst > TOLERANCE) {
    return { ok: false, kind: 'wrong-numbers', detail: `'${name}': max abs diff ${worst.toExponential(2)} at flat index ${at} (Strata ${a[at]}, RETURNN ${r[at]}).` };
  }
  if (meta.size_axes.length) {
    const refLens = Array.from(sizes[0] ?? []);
    const lens = net.outputData(name).timeDim?.dynSize;
    const gotLens = lens ? Array.from(ops.readSync(lens)) : undefined;
    if (!gotLens || gotLens.join() !== refLens.join()) {
      return { ok: false, kind: 'wrong-seq-lens', detail: `'${name}': lengths Strata ${gotLens ? `[${gotLens}]` : 'none'} vs RETURNN [${refLens}] (axis ${meta.size_axes[0]}).` };
    }
  }
  return { ok: true, maxDiff: worst };
}

/**
 * Runs one fixture on the active backend (the test sets `tfjs-cpu`): {@link buildAndRun}, then
 * {@link compareOutput} for each recorded output in order; the first failure is the result.
 * Never throws for a Strata failure: it is returned as a {@link FixtureResult} with its kind.
 * `params`: the params to load instead of `params.safetensors` (e.g. RETURNN's TF checkpoint, with `global_step`).
 */
export function runFixture(fx: Fixture, params: ParamsSource = paramsOf(fx)): FixtureResult {
  const run = buildAndRun(fx, params);
  if (!run.ok) return run;
  let maxDiff = 0;
  for (const name of fx.net.outputs) {
    const c = compareOutput(fx, run, name);
    if (!c.ok) return c;
    maxDiff = Math.max(maxDiff, c.maxDiff);
  }
  return { ok: true, maxDiff };
}
