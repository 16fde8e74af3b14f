import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Data } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { broadcastShape } from '../combine.js';
import { staticData } from './constant.js';

/** Arguments of {@link Switch}. */
export interface SwitchArgs extends LayerArgs {
  /** `true`/`false` to pick a branch statically, or the name of the layer giving the bool condition (an input) (RETURNN `condition`). */
  condition: boolean | string;
  /** The value where the condition holds: a number, or the name of a layer (an input) (RETURNN `true_from`). */
  trueFrom: number | string;
  /** The value elsewhere: a number, or the name of a layer (an input) (RETURNN `false_from`). */
  falseFrom: number | string;
  /**
   * For each input, the output axis (batch axis 0) of each of its axes, increasing; the output
   * axes an input lacks get size 1 (RETURNN's broadcasting by dim tags: a condition `[batch]`
   * against branches `[batch, f]` is `[[0], [0, 1], [0, 1]]`). A net dict derives it from the
   * inputs' dims. Default: numpy broadcasting (shapes aligned from the right).
   */
  inputAxes?: number[][];
}

const FROM = 'must be a number or the name of a layer';
const fromSchema = z.union([z.number().refine(Number.isFinite), z.string().min(1)], { error: FROM });
const SWITCH_OPTIONS = {
  condition: option(z.union([z.boolean(), z.string().min(1)], { error: 'must be true, false or the name of a layer giving a bool tensor' }), {
    returnn: 'condition',
    // RETURNN takes a bool only from a callable condition (Python); a bool in the dict fails there (get_layer(True)).
    returnnSchema: z.string({ error: 'must be the name of a layer giving a bool tensor (RETURNN takes True/False only from a callable, which a net dict here cannot hold)' }).min(1),
  }),
  trueFrom: option(fromSchema, { returnn: 'true_from' }),
  falseFrom: option(fromSchema, { returnn: 'false_from' }),
  inputAxes: option(z.array(z.array(z.number().int().min(0)), { error: 'must be a list (one per input) of increasing output axes' }).optional()),
} satisfies LayerOptions;

const isLayer = (v: unknown): v is string => typeof v === 'string';

/**
 * `condition ? trueFrom : falseFrom` elementwise with broadcasting (RETURNN
 * `SwitchLayer`, `tf.where`), or one branch statically when `condition` is
 * a boolean. Branches given as numbers are constants of the other branch's
 * dtype (RETURNN: of `true_from`'s layer, else `false_from`'s).
 *
 * Inputs: the tensors of the arguments that name layers, in the order
 * condition (bool), trueFrom, falseFrom. Shape: their broadcast shape.
 * Gradient to the branches where they are chosen.
 * @throws LayerArgumentError for a bad argument.
 * @throws InputShapeError if the inputs do not match the layer-valued arguments, the condition is not bool, or shapes do not broadcast.
 */
export class Switch extends Layer {
  static override readonly className: string = 'Switch';
  readonly condition: boolean | string;
  readonly trueFrom: number | string;
  readonly falseFrom: number | string;
  readonly inputAxes: number[][] | undefined;

  constructor(args: SwitchArgs) {
    super(args);
    const a = resolveArgs('Switch', SWITCH_OPTIONS, args);
    this.condition = a.condition;
    this.trueFrom = a.trueFrom;
    this.falseFrom = a.falseFrom;
    this.inputAxes = a.inputAxes;
  }

  /** Input `i`'s shape with size-1 axes where {@link SwitchArgs.inputAxes} says it lacks an output axis. */
  private expanded<T>(shape: readonly T[], i: number, one: T): T[] {
    const axes = this.inputAxes?.[i];
    if (!axes) return [...shape];
    if (axes.length !== shape.length || axes.some((a, k) => k > 0 && a <= axes[k - 1]!)) {
      throw new InputShapeError({ layer: this.name, expected: `inputAxes[${i}] ${JSON.stringify(axes)} must give one increasing output axis per axis of the input`, received: shape as unknown as number[] });
    }
    const rank = Math.max(...this.inputAxes!.map((x) => (x.length ? x[x.length - 1]! + 1 : 0)));
    return Array.from({ length: rank }, (_, a) => (axes.includes(a) ? shape[axes.indexOf(a)]! : one));
  }

  /** The layer-valued arguments, in input order. */
  get layerArgs(): ('condition' | 'trueFrom' | 'falseFrom')[] {
    return (['condition', 'trueFrom', 'falseFrom'] as const).filter((k) => isLayer(this[k]));
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const names = this.layerArgs;
    if (list.length !== names.length) {
      throw new InputShapeError({ layer: this.name, expected: `expected ${names.length} inputs (${names.join(', ') || 'none'}), got ${list.length}; the first is`, received: list[0]?.shape ?? [] });
    }
    const got = Object.fromEntries(names.map((n, i) => [n, this.inputAxes ? ops.reshape(list[i]!, this.expanded(list[i]!.shape, i, 1)) : list[i]!])) as Partial<Record<'condition' | 'trueFrom' | 'falseFrom', Tensor>>;
    const dtype = (got.trueFrom?.dtype ?? got.falseFrom?.dtype ?? 'float32') as DType;
    const branch = (k: 'trueFrom' | 'falseFrom'): Tensor => got[k] ?? ops.scalar(this[k] as number, dtype);
    if (typeof this.condition === 'boolean') return branch(this.condition ? 'trueFrom' : 'falseFrom');
    const cond = got.condition!;
    if (cond.dtype !== 'bool') throw new InputShapeError({ layer: this.name, expected: `expected a bool condition, got ${cond.dtype}`, received: cond.shape });
    return ops.where(cond, branch('trueFrom'), branch('falseFrom'));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const names = this.layerArgs;
    const all = names.length === 0 ? [] : Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    if (typeof this.condition === 'boolean') {
      const k = names.indexOf(this.condition ? 'trueFrom' : 'falseFrom');
      return k < 0 ? [] : all[k]!;
    }
    const shapes = all.map((sh, i) => this.expanded(sh, i, 1 as number | null));
    let out: SymbolicShape = [];
    for (const s of shapes) {
      const next = broadcastShape(out, s);
      if (!next) throw new InputShapeError({ layer: this.name, expected: 'the condition and branches must broadcast; one is', received: s as number[] });
      out = next;
    }
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), condition: this.condition, trueFrom: this.trueFrom, falseFrom: this.falseFrom, inputAxes: this.inputAxes };
  }
}

/**
 * Net dicts: {@link SwitchArgs.inputAxes} from the inputs' dims when their ranks differ (RETURNN
 * broadcasts by dim tags): each axis of an input is the widest input's axis of the same Dim, else
 * the next one of its size (the batch axis to the batch axis); none when an axis has no such axis
 * in order (numpy broadcasting then).
 */
function deriveInputAxes(c: { sources: readonly Data[] }): Record<string, unknown> {
  const srcs = c.sources;
  if (srcs.length < 2 || srcs.every((d) => d.batchShape.length === srcs[0]!.batchShape.length)) return {};
  const widest = srcs.reduce((w, d) => (d.batchShape.length > w.batchShape.length ? d : w));
  const off = widest.hasBatch ? 1 : 0;
  const axes: number[][] = [];
  for (const d of srcs) {
    const mine: number[] = d.hasBatch ? (widest.hasBatch ? [0] : []) : [];
    if (d.hasBatch && !widest.hasBatch) return {};
    for (const dim of d.dims) {
      // The same Dim, else (a template made apart, e.g. from n_out) the next axis of its size.
      const after = (k: number) => k + off > (mine[mine.length - 1] ?? -1);
      let at = widest.dims.findIndex((w, k) => w === dim && after(k));
      if (at < 0) at = widest.dims.findIndex((w, k) => w.size === dim.size && after(k));
      if (at < 0) return {};
      mine.push(at + off);
    }
    axes.push(mine);
  }
  return { inputAxes: axes };
}

/** The template: the widest layer input's axes, the dtype of the true branch's layer (else the false one's). */
function switchOutput(c: { name: string; sources: readonly Data[]; layer: Layer }): Data {
  const l = c.layer as Switch;
  const names = l.layerArgs;
  const of = (k: 'trueFrom' | 'falseFrom'): Data | undefined => c.sources[names.indexOf(k)];
  const dtype = of('trueFrom')?.dtype ?? of('falseFrom')?.dtype ?? 'float32';
  const candidates = typeof l.condition === 'boolean' ? [of(l.condition ? 'trueFrom' : 'falseFrom')].filter((d): d is Data => d !== undefined) : c.sources;
  const widest = candidates.reduce<Data | undefined>((w, d) => (!w || d.batchShape.length > w.batchShape.length ? d : w), undefined);
  return widest ? widest.copy({ name: c.name, dtype, sparseDim: dtype === 'int32' ? of('trueFrom')?.sparseDim : undefined }) : staticData(c.name, [], dtype);
}

/**
 * RETURNN's `switch`: `condition` (a layer), `true_from`, `false_from`
 * (layers or numbers), broadcast by their dims as RETURNN does. RETURNN's callable condition is Python code, which a
 * net dict here cannot hold; a plain True/False fails in RETURNN and here.
 */
export const switchLayer: LayerSpec = {
  cls: Switch,
  options: SWITCH_OPTIONS,
  netDict: { names: ['switch'], sources: 'none', acceptsSparse: true, refKeys: ['condition', 'true_from', 'false_from'], outputData: switchOutput, derive: deriveInputAxes },
};
