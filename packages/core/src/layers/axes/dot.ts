import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data } from '../../data.js';
import { Dim } from '../../dim.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import { checkSeqLens } from '../seq/seq-inputs.js';
import { type ReturnnAxes, returnnAxes, returnnAxesSchema, timeAxisOf } from './returnn-axes.js';
import { featureLastPerm, permuted } from './returnn-feature-last.js';

/** Arguments of {@link Dot}. */
export interface DotArgs extends LayerArgs {
  /** Reduced axes of the first source (RETURNN `red1`), e.g. `"F"`. */
  red1?: ReturnnAxes;
  /** Reduced axes of the second source (RETURNN `red2`). */
  red2?: ReturnnAxes;
  /** RETURNN `reduce`: `red1` and `red2` at once. */
  reduce?: ReturnnAxes;
  /** Kept axes of the first source (RETURNN `var1`), `null` for none. Required. */
  var1: ReturnnAxes;
  /** Kept axes of the second source (RETURNN `var2`), `null` for none. Required. */
  var2: ReturnnAxes;
  /** Zero the padded frames of a reduced time axis (RETURNN `use_mask`). Default true. */
  useMask?: boolean;
  /**
   * Without `var2` axes, append a feature axis of size 1 (RETURNN `add_var2_if_empty`, its dim `dummy-var2`).
   * Default false; a net dict's default is true before `behavior_version` 3 (RETURNN's earlier default), and
   * RETURNN refuses it from 3.
   */
  addVar2IfEmpty?: boolean;
  /**
   * `b`'s remaining axes (the batch axis first) in the order of `a`'s remaining axes they pair with; default: in
   * order. A net dict derives it from the sources' Dims ({@link Dot.remPairing}), as RETURNN pairs them.
   */
  pairedRemB?: number[];
}

const DOT_OPTIONS = {
  red1: option(returnnAxesSchema().optional(), { returnn: 'red1' }),
  red2: option(returnnAxesSchema().optional(), { returnn: 'red2' }),
  reduce: option(returnnAxesSchema().optional(), { returnn: 'reduce' }),
  var1: option(returnnAxesSchema(true), { returnn: 'var1' }),
  var2: option(returnnAxesSchema(true), { returnn: 'var2' }),
  useMask: option(schemas.boolean(), { default: true, returnn: 'use_mask' }),
  debug: option(schemas.boolean().optional(), { returnn: 'debug' }),
  addVar2IfEmpty: option(schemas.boolean(), { default: false, returnn: 'add_var2_if_empty', returnnDefaultFor: (v) => v < 3 }),
  pairedRemB: option(z.array(z.number().int().nonnegative(), { error: 'must be a list of axis indices' }).optional()),
} satisfies LayerOptions;

const DOT_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    a.reduce !== undefined && (a.red1 !== undefined || a.red2 !== undefined)
      ? `give ${name('reduce')} or ${name('red1')}/${name('red2')}, not both.`
      : a.reduce === undefined && (a.red1 === undefined || a.red2 === undefined)
        ? `give the reduced axes: ${name('red1')} and ${name('red2')} (or ${name('reduce')}), e.g. "F" (RETURNN's defaults depend on behavior_version; Strata takes them explicitly). Received: ${name('red1')}=${JSON.stringify(a.red1)}, ${name('red2')}=${JSON.stringify(a.red2)}.`
        : undefined,
];

interface Plan {
  rem: [number[], number[]];
  vars: [number[], number[]];
  red: [number[], number[]];
}

/**
 * A dot product of two sources over `red1`/`red2`, keeping `var1`/`var2`
 * (RETURNN `DotLayer`): `(rem..., I, J) · (rem..., J, K) → (rem..., I, K)`,
 * where J are the reduced axes, I and K the var axes (each possibly several
 * or none), and the remaining axes (the batch axis first) are shared, paired
 * in order. When a reduced axis is the first source's time axis, its padded
 * frames are zeroed first (`useMask`), so the sum runs over valid frames.
 *
 * Inputs: `[a, b]` or `[a, b, seqLens]` (the lengths of `a`'s time axis).
 * Shape: `[rem..., a's var axes..., b's var axes...]`, e.g. `[B,T,F]·[B,T,F]`
 * with red F, var T, T → `[B, T, T]`. float32. No weights.
 * @throws LayerArgumentError without `red1`/`red2` (or `reduce`) or `var1`/`var2`.
 * @throws InputShapeError if an axis does not exist, the reduced sizes differ, or the remaining axes do not pair up.
 */
export class Dot extends Layer {
  static override readonly className: string = 'Dot';
  readonly red1: ReturnnAxes;
  readonly red2: ReturnnAxes;
  readonly var1: ReturnnAxes;
  readonly var2: ReturnnAxes;
  readonly useMask: boolean;
  readonly addVar2IfEmpty: boolean;
  readonly pairedRemB: number[] | undefined;
  private planned: Plan | undefined;
  private ranks: [number, number] | undefined;

  constructor(args: DotArgs) {
    super(args);
    const a = resolveArgs('Dot', DOT_OPTIONS, args, DOT_CHECKS);
    this.red1 = (a.reduce ?? a.red1)!;
    this.red2 = (a.reduce ?? a.red2)!;
    this.var1 = a.var1;
    this.var2 = a.var2;
    this.useMask = a.useMask!;
    this.addVar2IfEmpty = a.addVar2IfEmpty!;
    this.pairedRemB = a.pairedRemB;
  }

  /** Resolves the axes on the symbolic shapes (where the time axis is known). */
  plan(aShape: SymbolicShape, bShape: SymbolicShape, pairByDims = true): Plan {
    const red: [number[], number[]] = [returnnAxes(this.red1, aShape, this.name), returnnAxes(this.red2, bShape, this.name)];
    const vars: [number[], number[]] = [returnnAxes(this.var1, aShape, this.name), returnnAxes(this.var2, bShape, this.name)];
    const rest = (shape: SymbolicShape, k: 0 | 1) => shape.map((_, i) => i).filter((i) => !red[k].includes(i) && !vars[k].includes(i));
    const rem: [number[], number[]] = [rest(aShape, 0), rest(bShape, 1)];
    // RETURNN pairs the remaining axes by their Dims (remPairing, derived by a net dict): b's in the order of a's.
    const paired = this.pairedRemB;
    if (pairByDims && paired && paired.length === rem[1].length && [...paired].sort((x, y) => x - y).join() === rem[1].join()) rem[1] = [...paired];
    const bad = (why: string): never => {
      throw new InputShapeError({ layer: this.name, expected: `${why} (red1=${JSON.stringify(this.red1)}, red2=${JSON.stringify(this.red2)}, var1=${JSON.stringify(this.var1)}, var2=${JSON.stringify(this.var2)}); the second source is [${bShape.join(', ')}], the first`, received: aShape });
    };
    if (red[0].length !== red[1].length || red[0].length === 0) bad('the reduced axes must be as many in both sources, at least one');
    red[0].forEach((a, i) => { const x = aShape[a], y = bShape[red[1][i]!]; if (x !== null && y !== null && x !== y) bad('the reduced axes must have the same sizes'); });
    if (red[0].some((a) => vars[0].includes(a)) || red[1].some((a) => vars[1].includes(a))) bad('an axis cannot be both reduced and kept');
    if (rem[0].length !== rem[1].length || rem[0][0] !== 0 || rem[1][0] !== 0) bad('the remaining axes (the batch axis first) must pair up');
    if (pairByDims) rem[0].forEach((a, i) => { const x = aShape[a], y = bShape[rem[1][i]!]; if (x !== null && x !== undefined && y !== null && y !== undefined && x !== y) bad('the remaining axes must pair up with the same sizes'); });
    return { rem, vars, red };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const [a, b] = inputShape as SymbolicShape[];
    this.planned = this.plan(a!, b!);
    this.ranks = [a!.length, b!.length];
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const [a1, b1, seqLens] = inputs as Tensor[];
    // A net dict aligns list sources' ranks (a per-frame [B, F] next to [B, T, F] gets a size-1 axis 1): undone here.
    const unalign = (t: Tensor, rank: number | undefined): Tensor =>
      rank !== undefined && t.shape.length === rank + 1 && t.shape[1] === 1 ? ops.reshape(t, [t.shape[0]!, ...t.shape.slice(2)]) : t;
    const a0 = unalign(a1!, this.ranks?.[0]);
    const b = unalign(b1!, this.ranks?.[1]);
    const p = this.planned ?? this.plan(a0.shape, b.shape);
    let a = a0;
    const ta = this.timeAxisA;
    if (seqLens && this.useMask && ta !== undefined && p.red[0].includes(ta)) {
      checkSeqLens(seqLens, a.shape[0]!, this.name);
      const mask = sequenceMask(seqLens, a.shape[ta]!);
      a = ops.mul(a, ops.reshape(mask, a.shape.map((s, i) => (i === 0 || i === ta ? s : 1))));
    }
    const prod = (t: Tensor, axes: number[]) => axes.reduce((n, i) => n * t.shape[i]!, 1);
    const remDims = p.rem[0].map((i) => a.shape[i]!);
    const at = ops.reshape(ops.transpose(a, [...p.rem[0], ...p.vars[0], ...p.red[0]]), [...remDims, prod(a, p.vars[0]), prod(a, p.red[0])]);
    const bt = ops.reshape(ops.transpose(b!, [...p.rem[1], ...p.red[1], ...p.vars[1]]), [...remDims, prod(b!, p.red[1]), prod(b!, p.vars[1])]);
    const y = ops.matMul(at, bt);
    const out = ops.reshape(y, [...remDims, ...p.vars[0].map((i) => a.shape[i]!), ...p.vars[1].map((i) => b!.shape[i]!), ...this.dummyVar2(p)]);
    const perm = this.outPerm ?? this.outputPerm(a.shape, b.shape, p);
    return perm.every((j, i) => j === i) ? out : ops.transpose(out, perm);
  }

  /** Strata's axis order of the output (see {@link outputPerm}), as seen at build. */
  private outPerm: number[] | undefined;

  /**
   * The output axes in RETURNN's order are `[batch, ...rem, ...var1, ...var2]` with RETURNN's time axis (`a`'s time axis
   * where it is kept, else `b`'s, else the first dynamic axis if a time axis was reduced; `DotLayer.get_out_data_from_opts`)
   * and its default feature axis, which Strata keeps last: the permutation from RETURNN's order to Strata's.
   */
  private outputPerm(aShape: SymbolicShape, bShape: SymbolicShape, p: Plan): number[] {
    const ta = timeAxisOf(aShape);
    const tb = timeAxisOf(bShape);
    const order = [...p.rem[0], ...p.vars[0]];
    const shape: SymbolicShape = [...order.map((i) => aShape[i]!), ...p.vars[1].map((i) => bShape[i]!), ...this.dummyVar2(p)];
    let t: number | null = null;
    if (ta >= 0 && order.includes(ta)) t = order.indexOf(ta);
    else if (tb >= 0 && p.rem[1].includes(tb)) t = p.rem[1].indexOf(tb);
    else if (tb >= 0 && p.vars[1].includes(tb)) t = order.length + p.vars[1].indexOf(tb);
    else if (ta >= 0 || tb >= 0) t = (i => (i < 0 ? null : i))(shape.findIndex((s, i) => i > 0 && s === null));
    return featureLastPerm(shape, t);
  }

  /** The first source's time axis, as seen at build. */
  private timeAxisA: number | undefined;

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [a, b] = inputShape as SymbolicShape[];
    const p = this.plan(a!, b!);
    const t = timeAxisOf(a!);
    this.timeAxisA = t < 0 ? undefined : t;
    this.outPerm = this.outputPerm(a!, b!, p);
    return permuted([...p.rem[0].map((i) => a![i]!), ...p.vars[0].map((i) => a![i]!), ...p.vars[1].map((i) => b![i]!), ...this.dummyVar2(p)], this.outPerm);
  }

  /** `[1]` where RETURNN appends its `dummy-var2` axis (`addVar2IfEmpty` without `var2` axes), else `[]`. */
  private dummyVar2(p: Plan): number[] {
    return this.addVar2IfEmpty && p.vars[1].length === 0 ? [1] : [];
  }

  /**
   * `b`'s remaining axes (the batch axis first) in the order of `a`'s, paired by their Dims as RETURNN pairs them
   * (`[B, 2, 3]` with `[B, 3, 2]`: 2 with 2), or undefined where some remaining axis of `a` has no Dim in `b`.
   * @throws InputShapeError as {@link plan}.
   */
  remPairing(a: Data, b: Data): number[] | undefined {
    const p = this.plan(a.batchShape, b.batchShape, false);
    const bRem = p.rem[1].slice(1).map((i) => b.dims[i - 1]!);
    const at = p.rem[0].slice(1).map((i) => bRem.indexOf(a.dims[i - 1]!));
    return at.every((j) => j >= 0) && new Set(at).size === at.length ? [0, ...at.map((j) => p.rem[1][1 + j]!)] : undefined;
  }

  /** The output template: the sources' own Dims (shared time axes keep their lengths). */
  outputTemplate(name: string, a: Data, b: Data): Data {
    const p = this.plan(a.batchShape, b.batchShape);
    const dims = [...p.rem[0].slice(1).map((i) => a.dims[i - 1]!), ...p.vars[0].map((i) => a.dims[i - 1]!), ...p.vars[1].map((i) => b.dims[i - 1]!)];
    if (this.dummyVar2(p).length) dims.push(new Dim({ description: `${name}:dummy-var2`, size: 1, kind: 'feature' }));
    // The batch axis is not among the dims: the permutation of the axes after it.
    const perm = this.outputPerm(a.batchShape, b.batchShape, p);
    return new Data({ name, dims: permuted(dims, perm.slice(1).map((i) => i - 1)), dtype: 'float32' });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), red1: this.red1, red2: this.red2, var1: this.var1, var2: this.var2, useMask: this.useMask, addVar2IfEmpty: this.addVar2IfEmpty, pairedRemB: this.pairedRemB };
  }
}

/**
 * RETURNN's `dot` (`DotLayer`): two sources, `red1`/`red2` (or `reduce`),
 * `var1`/`var2` (explicit; `null` for none), `use_mask`, `debug` (ignored), `add_var2_if_empty` (RETURNN's
 * default true before behavior version 3: a size-1 feature axis where `var2` is empty; refused from 3, as RETURNN
 * does). Integer axes (refused by RETURNN since behavior version 3) are errors.
 */
export const dotLayer: LayerSpec = {
  cls: Dot,
  options: DOT_OPTIONS,
  checks: DOT_CHECKS,
  netDict: {
    names: ['dot'],
    sources: 'list',
    seqLens: true,
    outputData: ({ layer, sources, name }) => (layer as Dot).outputTemplate(name, sources[0]!, sources[1]!),
    derive: (ctx, args) => {
      if ((ctx.behaviorVersion ?? 0) >= 3 && ctx.entry.add_var2_if_empty === true) {
        throw new LayerArgumentError('add_var2_if_empty is not allowed from behavior_version 3 (RETURNN: "DotLayer: add_var2_if_empty not allowed"); give var2 an axis instead. Received: add_var2_if_empty=true.');
      }
      const [a, b] = ctx.sources ?? [];
      if (!a || !b) return {};
      let pairing: number[] | undefined;
      try {
        pairing = new Dot(args as unknown as DotArgs).remPairing(a, b);
      } catch {
        return {}; // the layer itself reports the bad axes, with the entry's name
      }
      return pairing ? { pairedRemB: pairing } : {};
    },
  },
};
