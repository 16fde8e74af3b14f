import { ops, type Tensor } from '@strata/backend';
import type { CallContext, Dim } from '@strata/core';
import { NetDictError } from '../errors.js';
import { baseDataKey } from './base-data.js';
import { type EvalEnv, type EvalResult, firstSourceLens, type NetDictNode, type LayerOutput } from './net-dict-node.js';
import { resolveMaxSeqLen } from './rec-max-seq-len.js';
import type { RecUnit } from './rec-unit.js';
import { runGraph } from './run-graph.js';

/** The beam of one search, shared between the rec loop and the `choice` layer (through the call context). */
export interface BeamState {
  readonly batch: number;
  readonly beam: number;
  readonly eos: number | undefined;
  /**
   * Log-probability of each hypothesis, `[batch * beam]` (beam-major within a batch entry). With the choice's
   * `length_normalization`, an ended hypothesis' score is scaled by `(t+1)/t` at every later frame `t`
   * (RETURNN's `ChoiceLayer`), so beams compare as score per frame.
   */
  scores: Float64Array;
  /** Whether each hypothesis has ended (emitted `eos`, or its input ended). */
  ended: Uint8Array;
  /** Whether each hypothesis emitted `eos` (its last counted frame is the end frame). */
  emittedEos: Uint8Array;
  /** RETURNN ChoiceLayer `length_normalization` (default true). */
  lengthNormalization: boolean;
  /** Per frame: the token each hypothesis chose, and the hypothesis it extends (index into the previous frame). */
  tokens: Int32Array[];
  backPointers: Int32Array[];
  /** Frames each hypothesis has (up to and including its `eos`). */
  lengths: Int32Array;
}

/** A call context during search: the `choice` layer selects hypotheses instead of reading targets. */
export interface SearchContext extends CallContext {
  search: true;
  beamState: BeamState;
}

export const isSearchContext = (ctx: CallContext): ctx is SearchContext => 'beamState' in ctx;

/**
 * The `choice` layer's step during search (RETURNN `ChoiceLayer`): adds each
 * hypothesis' log-probabilities of the next token to its score, keeps the
 * `beam` best continuations per sequence (an ended hypothesis continues only
 * with `eos`, at no cost), and reorders every value computed so far in this
 * frame (`outs`) and the frame's recurrent inputs to the new hypotheses.
 * Scores are read to the host; search runs eagerly.
 */
export function chooseStep(env: EvalEnv, state: BeamState, frameInputs: Record<string, Tensor>): LayerOutput {
  const src = env.sources[0]!;
  const inputType = (env.node.entry as { input_type?: string }).input_type ?? 'prob';
  const logProbs = inputType === 'log_prob' ? src.value : src.logits ? ops.logSoftmax(src.logits, -1) : ops.log(ops.maximum(src.value, 1e-30));
  const lp = ops.readSync(logProbs) as Float32Array;
  const classes = logProbs.shape[logProbs.shape.length - 1]!;
  const { batch, beam, eos } = state;
  const next = { scores: new Float64Array(batch * beam), ended: new Uint8Array(batch * beam), emittedEos: new Uint8Array(batch * beam), lengths: new Int32Array(batch * beam) };
  // RETURNN: an ended hypothesis' score is multiplied by (t+1)/t at frame t, keeping score/frames comparable with the running ones.
  const t = state.tokens.length;
  const endedScale = state.lengthNormalization && t > 0 ? (t + 1) / t : 1;
  const tokens = new Int32Array(batch * beam);
  const back = new Int32Array(batch * beam);
  for (let b = 0; b < batch; b++) {
    const cands: [number, number, number][] = [];
    for (let k = 0; k < beam; k++) {
      const h = b * beam + k;
      const score = state.scores[h]!;
      if (score === -Infinity) continue;
      if (state.ended[h]) cands.push([score * endedScale, eos ?? 0, h]);
      else for (let c = 0; c < classes; c++) cands.push([score + lp[h * classes + c]!, c, h]);
    }
    cands.sort((x, y) => y[0] - x[0]);
    for (let k = 0; k < beam; k++) {
      const h = b * beam + k;
      const c = cands[k];
      if (!c) {
        next.scores[h] = -Infinity;
        back[h] = b * beam;
        next.ended[h] = 1;
        next.emittedEos[h] = 0;
        continue;
      }
      const [score, token, from] = c;
      next.scores[h] = score;
      tokens[h] = token;
      back[h] = from;
      next.ended[h] = state.ended[from] || token === eos ? 1 : 0;
      next.emittedEos[h] = state.emittedEos[from] || (!state.ended[from] && token === eos) ? 1 : 0;
      next.lengths[h] = state.ended[from] ? state.lengths[from]! : state.lengths[from]! + 1;
    }
  }
  Object.assign(state, next);
  state.tokens.push(tokens);
  state.backPointers.push(back);
  const idx = ops.tensor(back, [batch * beam], 'int32');
  for (const [k, v] of env.outs) env.outs.set(k, { ...v, value: ops.gather(v.value, idx, 0) });
  for (const k of Object.keys(frameInputs)) if (k.startsWith('prev:') || k.startsWith('state:')) frameInputs[k] = ops.gather(frameInputs[k]!, idx, 0);
  return { value: ops.tensor(tokens, [batch * beam], 'int32') };
}

/** The unit's choice layer and its end-of-sequence token (from an `end` compare layer, RETURNN's convention). */
function searchSetup(unit: RecUnit): { choice: NetDictNode; eos: number | undefined } {
  const choices = [...unit.unitGraph.nodes.values()].filter((n) => n.entry.class === 'choice');
  if (choices.length !== 1) {
    throw new NetDictError(`Search in rec layer '${unit.name}' needs exactly one "choice" layer in its unit; found ${choices.length}.`);
  }
  const end = unit.unitGraph.nodes.get('end');
  const eos = end && end.entry.class === 'compare' ? (end.entry as { value?: number }).value : undefined;
  return { choice: choices[0]!, eos };
}

/**
 * Beam search over the rec unit (RETURNN's search with a `choice` layer):
 * hypotheses are `[batch * beam]` rows; each frame runs the unit, `choice`
 * keeps the best continuations; it stops when every hypothesis has emitted
 * the `end` layer's token or after `max_seq_len` frames (default: twice the
 * longest `base:` sequence plus 10). A rec layer with sources searches over
 * its input's frames instead (`data:source` is frame t; a sequence ends
 * with its input, RETURNN's frame-synchronous search, as in its
 * `test_search_no_rec_explicit`). Returns the best hypothesis per
 * sequence (score divided by length when the choice has
 * `length_normalization`, RETURNN's default), tokens int32
 * `[batch, frames]` with its lengths, which leave out the end frame unless the
 * rec layer has `include_eos: true` (RETURNN RecLayer).
 *
 * @throws NetDictError without a choice layer, or without a bound on the length.
 */
export function runSearch(unit: RecUnit, env: EvalEnv): EvalResult {
  const { choice, eos } = searchSetup(unit);
  const beam = (choice.entry as { beam_size?: number }).beam_size ?? 1;
  const base = unit.baseInputs(env.outs, env.inputs);
  const over = unit.hasSources ? inputFrames(unit, env) : undefined;
  const first = over?.frames[0] ?? Object.values(base)[0] ?? Object.values(env.inputs)[0];
  if (!first) throw new NetDictError(`Search in rec layer '${unit.name}': no input to take the batch size from.`);
  const batch = first.shape[0]!;
  const baseTime = Math.max(0, ...Object.values(base).map((v) => v.shape[1] ?? 0));
  const maxLen = over ? over.frames.length : (resolveMaxSeqLen(unit.maxSeqLen) ?? (baseTime > 0 ? 2 * baseTime + 10 : undefined));
  if (maxLen === undefined) throw new NetDictError(`Search in rec layer '${unit.name}' needs "max_seq_len".`);
  const tile = ops.tensor(Int32Array.from({ length: batch * beam }, (_, i) => Math.floor(i / beam)), [batch * beam], 'int32');
  const tiled: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(base)) tiled[k] = ops.gather(v, tile, 0);
  const state: BeamState = {
    batch,
    beam,
    eos,
    scores: Float64Array.from({ length: batch * beam }, (_, i) => (i % beam === 0 ? 0 : -Infinity)),
    ended: new Uint8Array(batch * beam),
    emittedEos: new Uint8Array(batch * beam),
    lengthNormalization: (choice.entry as { length_normalization?: boolean }).length_normalization ?? true,
    tokens: [],
    backPointers: [],
    lengths: new Int32Array(batch * beam),
  };
  const ctx: SearchContext = { ...env.ctx, training: false, search: true, beamState: state };
  // The base layers' lengths, tiled like their values while the unit runs on hypotheses, then put back.
  const baseDims = new Set(unit.refs('base').map((name) => {
    const key = baseDataKey(name);
    return key === undefined ? unit.unitGraph.parent!.node(name).output.timeDim : unit.unitGraph.parent!.externData.getData(key).timeDim;
  }).filter((d): d is Dim => d?.dynSize !== undefined));
  const untiled = [...baseDims].map((d) => [d, d.dynSize!] as const);
  for (const [d, lens] of untiled) d.dynSize = ops.gather(lens, tile, 0);
  const tileFrame = (f: Record<string, Tensor>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, ops.gather(v, tile, 0)]));
  try {
    let frame: Record<string, Tensor> = { ...tiled, ...unit.initialFrameState(batch * beam, tiled) };
    for (let t = 0; t < maxLen; t++) {
      // Over input frames, a sequence ends with its input (RETURNN's end flag from the input's lengths): its hypotheses keep their scores.
      if (over) for (let h = 0; h < batch * beam; h++) if (t >= over.lens[Math.floor(h / beam)]!) state.ended[h] = 1;
      if (state.ended.every((e) => e)) break;
      if (over) Object.assign(frame, tileFrame(over.data(t)), { source: ops.gather(over.frames[t]!, tile, 0) });
      unit.unitGraph.recStepInfo = { i: t };
      const outs = runGraph(unit.unitGraph, frame, ctx);
      frame = { ...tiled, ...unit.nextFrameState(outs) };
    }
  } finally {
    unit.unitGraph.recStepInfo = undefined;
    for (const [d, lens] of untiled) d.dynSize = lens;
  }
  return bestHypotheses(state, (env.node.entry as { include_eos?: boolean }).include_eos ?? false);
}

/** A rec layer with sources searches over its input's frames: each frame's source and extern data, and the input's lengths. */
function inputFrames(unit: RecUnit, env: EvalEnv): { frames: Tensor[]; lens: Int32Array; data: (t: number) => Record<string, Tensor> } {
  const xs = env.sources.map((s) => s.value);
  const source = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
  const frames = ops.unstack(source, 1);
  const given = firstSourceLens(env);
  const lens = given ? (ops.readSync(given) as Int32Array) : Int32Array.from({ length: source.shape[0]! }, () => frames.length);
  return { frames, lens, data: unit.frameInputs(env.inputs, unit.unitGraph.parent!.externData) };
}

/**
 * Follows the back-pointers of each sequence's best hypothesis (RETURNN's `decide`: the highest beam score; with
 * length normalization the scores are already per frame, see {@link BeamState.scores}). Its length leaves out the
 * end frame unless `includeEos` (RETURNN RecLayer `include_eos`, default false); the values are cut to the longest length.
 */
function bestHypotheses(state: BeamState, includeEos: boolean): EvalResult {
  const { batch, beam } = state;
  const frames = state.tokens.length;
  const best = Array.from({ length: batch }, (_, b) => {
    let pick = b * beam;
    for (let k = 1; k < beam; k++) if (state.scores[b * beam + k]! > state.scores[pick]!) pick = b * beam + k;
    return pick;
  });
  const lens = best.map((h) => state.lengths[h]! - (state.emittedEos[h] && !includeEos ? 1 : 0));
  const width = Math.max(0, ...lens);
  const out = new Int32Array(batch * width);
  best.forEach((h0, b) => {
    let h = h0;
    for (let t = frames - 1; t >= 0; t--) {
      if (t < lens[b]!) out[b * width + t] = state.tokens[t]![h]!;
      h = state.backPointers[t]![h]!;
    }
  });
  return { value: ops.tensor(out, [batch, width], 'int32'), seqLens: ops.tensor(Int32Array.from(lens), [batch], 'int32') };
}
