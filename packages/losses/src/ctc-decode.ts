import { LossArgumentError, LossShapeError } from './errors.js';

/**
 * Scores of one batch for the host-side CTC decoders, read back from the
 * backend: `logits` float32 `[batch, time, classes]` row-major (batch-major,
 * RETURNN's `[B, T, N]`), unnormalised (the decoders apply log-softmax per
 * frame) or log-probabilities; `seqLens` the valid frames per sequence.
 */
export interface CtcDecodeInput {
  logits: ArrayLike<number>;
  shape: readonly [batch: number, time: number, classes: number];
  seqLens: ArrayLike<number>;
}

/** Options of {@link ctcBeamSearchDecode}. */
export interface CtcBeamSearchOptions {
  /** Prefixes kept per frame, an integer `>= 1`. Default 100 (TF's and RETURNN's `beam_width`). */
  beamWidth?: number;
  /**
   * Merge repeated labels of the best prefix once more after the search (TF 1's
   * `merge_repeated=True`; it can turn a decoded `a a` into `a`). Default `false`:
   * TF 2's `tf.nn.ctc_beam_search_decoder`, which RETURNN's `CtcLoss` calls.
   */
  mergeRepeated?: boolean;
  /** The blank's class index; default the last class (`classes - 1`, TF's decoders and RETURNN). */
  blankIndex?: number;
}

/** Decoded label sequences (blank-free) and the log-probability of each, per sequence. */
export interface CtcDecoded {
  /** `paths[b]`: the labels of sequence `b`, in `[0, classes - 1)`. */
  paths: number[][];
  /** `log p(paths[b] | x_b)` summed over the prefix's alignments kept by the beam (beam search), or the best path's log-probability (greedy). */
  logProbs: number[];
}

/** One prefix of the beam search: TF's `ctc::ctc_beam_search::BeamEntry`. */
interface BeamEntry {
  parent: BeamEntry | null;
  label: number;
  children: Map<number, BeamEntry>;
  /** log p(prefix, ending in blank / in its last label / total) after the previous frame. */
  oldBlank: number; oldLabel: number; oldTotal: number;
  /** The same after the current frame. */
  newBlank: number; newLabel: number; newTotal: number;
}

const LOG_ZERO = -Infinity;

function newEntry(parent: BeamEntry | null, label: number): BeamEntry {
  return { parent, label, children: new Map(), oldBlank: LOG_ZERO, oldLabel: LOG_ZERO, oldTotal: LOG_ZERO, newBlank: LOG_ZERO, newLabel: LOG_ZERO, newTotal: LOG_ZERO };
}

/** TF's `ctc::LogSumExp`: exact for `log 0` operands. */
function logSumExp(a: number, b: number): number {
  if (a === LOG_ZERO) return b;
  if (b === LOG_ZERO) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

const active = (e: BeamEntry): boolean => e.newTotal !== LOG_ZERO;

function resetNew(e: BeamEntry): void {
  e.newBlank = e.newLabel = e.newTotal = LOG_ZERO;
}

/** The beam (TF's `gtl::TopN` of entries by `newp.total`): at most `width` entries. */
class Leaves {
  items: BeamEntry[] = [];
  constructor(readonly width: number) {}
  bottom(): BeamEntry {
    let m = this.items[0]!;
    for (const e of this.items) if (e.newTotal < m.newTotal) m = e;
    return m;
  }
  push(e: BeamEntry): void {
    if (this.items.length < this.width) {
      this.items.push(e);
      return;
    }
    const b = this.bottom();
    if (e.newTotal > b.newTotal) this.items[this.items.indexOf(b)] = e;
  }
  /** The entries, best first; the beam is emptied. */
  extract(): BeamEntry[] {
    const out = this.items.sort((a, b) => b.newTotal - a.newTotal);
    this.items = [];
    return out;
  }
}

function checkInput(input: CtcDecodeInput, blankIndex: number | undefined): number {
  const [batch, time, classes] = input.shape;
  const blank = blankIndex ?? classes - 1;
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) {
    throw new LossArgumentError(`ctc: blankIndex must be an integer in [0, ${classes}) for ${classes} classes. Received: blankIndex=${blank}`);
  }
  if (input.logits.length !== batch * time * classes || input.seqLens.length !== batch || classes < 1) {
    throw new LossShapeError({
      lossName: 'ctc',
      outputShape: [batch, time, classes],
      targetShape: [input.seqLens.length],
      expected: `the decoders take logits [batch, time, classes] (${batch * time * classes} values, got ${input.logits.length}) and seqLens [batch]`,
    });
  }
  return blank;
}

/** Frames of sequence `b`: `seqLens[b]` clipped to `[0, time]`. */
const framesOf = (input: CtcDecodeInput, b: number): number => Math.max(0, Math.min(input.shape[1], Math.trunc(input.seqLens[b]!)));

/**
 * CTC prefix beam search, the top path per sequence: the algorithm of
 * TensorFlow's `CTCBeamSearchDecoder` (`tensorflow/core/util/ctc/ctc_beam_search.h`,
 * behind `tf.nn.ctc_beam_search_decoder`) with its default scorer and no label
 * selection. Per frame (`t < seqLens[b]`): the scores become log-softmax; every
 * prefix in the beam (best first) updates its blank/label/total
 * log-probabilities (a prefix ending in label `c` extends by `c` from its
 * parent's blank-ending probability when the parent also ended in `c`, else
 * from the parent's total); then every prefix whose previous total beats the
 * beam's worst (or the beam is not full) is extended by every non-blank label
 * in ascending order, a new prefix entering the beam when its probability
 * beats the worst (which is dropped). The blank is `blankIndex`, default
 * the last class (`classes - 1`), as in TF and RETURNN.
 *
 * Runs on the host in float64 (TF: float32), so a prefix whose probability
 * ties another's to within float32 rounding may rank differently.
 * Cost: `O(time · beamWidth · classes)` per sequence.
 *
 * Used by `CtcLoss` for the evaluation error (RETURNN's `CtcLoss.get_error`:
 * `tf.nn.ctc_beam_search_decoder(beam_width)` outside training).
 *
 * @throws LossArgumentError if `beamWidth` is not an integer `>= 1`, or `blankIndex` not a class.
 * @throws LossShapeError if `logits` and `seqLens` do not match `shape`.
 */
export function ctcBeamSearchDecode(input: CtcDecodeInput, options: CtcBeamSearchOptions = {}): CtcDecoded {
  const beamWidth = options.beamWidth ?? 100;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) {
    throw new LossArgumentError(`ctc: beam_width must be an integer >= 1 (TF's ctc_beam_search_decoder). Received: beam_width=${beamWidth}`);
  }
  const blank = checkInput(input, options.blankIndex);
  const [batch, time, classes] = input.shape;
  const paths: number[][] = [];
  const logProbs: number[] = [];
  const row = new Float64Array(classes);
  for (let b = 0; b < batch; b++) {
    const root = newEntry(null, -1);
    root.newTotal = 0;
    root.newBlank = 0;
    let leaves = new Leaves(beamWidth);
    leaves.push(root);
    for (let t = 0; t < framesOf(input, b); t++) {
      const base = (b * time + t) * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, input.logits[base + c]!);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        row[c] = input.logits[base + c]! - max;
        sum += Math.exp(row[c]!);
      }
      const norm = Math.log(sum);
      const branches = leaves.extract();
      for (const e of branches) {
        e.oldBlank = e.newBlank;
        e.oldLabel = e.newLabel;
        e.oldTotal = e.newTotal;
      }
      // Pass 1: the prefixes already in the beam, one more frame.
      for (const e of branches) {
        if (e.parent) {
          if (active(e.parent)) {
            const previous = e.label === e.parent.label ? e.parent.oldBlank : e.parent.oldTotal;
            e.newLabel = logSumExp(e.newLabel, previous);
          }
          e.newLabel += row[e.label]! - norm;
        }
        e.newBlank = e.oldTotal + row[blank]! - norm;
        e.newTotal = logSumExp(e.newBlank, e.newLabel);
        leaves.push(e);
      }
      // Pass 2: extend each candidate prefix by one label.
      const isCandidate = (total: number): boolean =>
        total > LOG_ZERO && (leaves.items.length < beamWidth || total > leaves.bottom().newTotal);
      for (const e of branches) {
        if (!isCandidate(e.oldTotal)) continue;
        for (let label = 0; label < classes; label++) {
          if (label === blank) continue;
          let c = e.children.get(label);
          if (!c) {
            c = newEntry(e, label);
            e.children.set(label, c);
          }
          if (active(c)) continue;
          c.newBlank = LOG_ZERO;
          const previous = label === e.label ? e.oldBlank : e.oldTotal;
          c.newLabel = row[label]! - norm + previous;
          c.newTotal = c.newLabel;
          if (isCandidate(c.newTotal)) {
            if (leaves.items.length === beamWidth) resetNew(leaves.bottom());
            leaves.push(c);
          } else {
            c.oldBlank = c.oldLabel = c.oldTotal = LOG_ZERO;
            resetNew(c);
          }
        }
      }
    }
    const best = leaves.extract()[0]!;
    paths.push(labelSeq(best, options.mergeRepeated ?? false));
    logProbs.push(best.newTotal);
    leaves = new Leaves(beamWidth);
  }
  return { paths, logProbs };
}

/** TF's `BeamEntry::LabelSeq`: the labels from the root, repeated ones merged if asked. */
function labelSeq(e: BeamEntry, mergeRepeated: boolean): number[] {
  const labels: number[] = [];
  let prev = -1;
  for (let c: BeamEntry | null = e; c && c.parent; c = c.parent) {
    if (!mergeRepeated || c.label !== prev) labels.push(c.label);
    prev = c.label;
  }
  return labels.reverse();
}

/**
 * Greedy (best-path) CTC decoding, TF's `tf.nn.ctc_greedy_decoder` with
 * `merge_repeated=True`: the argmax class per valid frame (the first on ties),
 * a class equal to the previous frame's argmax dropped, blanks (`blankIndex`,
 * default the last class) dropped. `logProbs[b]` is the best path's
 * log-probability, `sum_t max_c log softmax(x_t)[c]`.
 *
 * @throws LossArgumentError if `blankIndex` is not a class.
 * @throws LossShapeError if `logits` and `seqLens` do not match `shape`.
 */
export function ctcGreedyDecode(input: CtcDecodeInput, options: { blankIndex?: number } = {}): CtcDecoded {
  const blank = checkInput(input, options.blankIndex);
  const [batch, time, classes] = input.shape;
  const paths: number[][] = [];
  const logProbs: number[] = [];
  for (let b = 0; b < batch; b++) {
    const path: number[] = [];
    let prev = -1;
    let logProb = 0;
    for (let t = 0; t < framesOf(input, b); t++) {
      const base = (b * time + t) * classes;
      let best = 0;
      let sum = 0;
      for (let c = 0; c < classes; c++) if (input.logits[base + c]! > input.logits[base + best]!) best = c;
      for (let c = 0; c < classes; c++) sum += Math.exp(input.logits[base + c]! - input.logits[base + best]!);
      logProb -= Math.log(sum);
      if (best !== blank && best !== prev) path.push(best);
      prev = best;
    }
    paths.push(path);
    logProbs.push(logProb);
  }
  return { paths, logProbs };
}
