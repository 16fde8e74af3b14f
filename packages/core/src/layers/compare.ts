import { formatShape, ops, type Shape, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Data } from '../data.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { ALLOW_BROADCAST_ALL_SOURCES, broadcastShape, commonSourcesData } from './combine.js';
import { many } from './util.js';

/** The comparisons of {@link Compare} (RETURNN `kind`, TF's comparison ops). */
export const COMPARE_KINDS = ['equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal'] as const;
/** One of {@link COMPARE_KINDS}. */
export type CompareKind = (typeof COMPARE_KINDS)[number];

/** RETURNN's operator spellings of the kinds (`CompareLayer`). */
const KIND_ALIASES: Readonly<Record<string, CompareKind>> = { '==': 'equal', '!=': 'not_equal', '<>': 'not_equal', '<': 'less', '<=': 'less_equal', '>': 'greater', '>=': 'greater_equal' };

/** Arguments of {@link Compare}. */
export interface CompareArgs extends LayerArgs {
  /** The comparison (RETURNN `kind`). Default `equal`. */
  kind?: CompareKind;
  /** A number the last input is compared with (RETURNN `value`); without it (`null`), at least two inputs are compared. */
  value?: number | null;
}

/** Compare's arguments in both vocabularies. */
const COMPARE_OPTIONS = {
  ...ALLOW_BROADCAST_ALL_SOURCES,
  kind: option(schemas.oneOf(COMPARE_KINDS), {
    default: 'equal',
    returnn: 'kind',
    // RETURNN also takes the operators "==", "!=", "<>", "<", "<=", ">", ">=".
    returnnSchema: schemas.oneOf([...COMPARE_KINDS, ...(Object.keys(KIND_ALIASES) as [string, ...string[]])]),
    fromReturnn: (k) => KIND_ALIASES[k as string] ?? k,
  }),
  value: option(z.number({ error: 'must be a finite number or null' }).refine(Number.isFinite, { error: 'must be a finite number or null' }).nullable().optional(), {
    returnn: 'value',
  }),
} satisfies LayerOptions;

const int32 = (x: Tensor): Tensor => (x.dtype === 'int32' ? x : ops.cast(x, 'int32'));
/** Logical or / and of bool tensors, through int32 sums (the backends have no logical ops). */
const or = (a: Tensor, b: Tensor): Tensor => ops.greater(ops.add(int32(a), int32(b)), ops.scalar(0, 'int32'));
const and = (a: Tensor, b: Tensor): Tensor => ops.equal(ops.add(int32(a), int32(b)), ops.scalar(2, 'int32'));
const not = (a: Tensor): Tensor => ops.equal(int32(a), ops.scalar(0, 'int32'));

const compareOps: Record<CompareKind, (a: Tensor, b: Tensor) => Tensor> = {
  equal: ops.equal,
  not_equal: (a, b) => not(ops.equal(a, b)),
  less: ops.less,
  // As or of two comparisons (not `not greater`), so that NaN compares false, as in TF.
  less_equal: (a, b) => or(ops.less(a, b), ops.equal(a, b)),
  greater: ops.greater,
  greater_equal: (a, b) => or(ops.greater(a, b), ops.equal(a, b)),
};

/**
 * Elementwise comparison (RETURNN `CompareLayer`): the inputs are compared in
 * a chain, `x1 op x2 op ... op value`, true where every link holds (RETURNN's
 * `{"class": "compare", "from": ["i1", "i2"], "value": v, "kind": "less"}` is
 * `i1 < i2 < v`). With one input, `x op value`: e.g. the `end` layer of a rec
 * unit, `{"class": "compare", "from": "output", "value": eos}`. Inputs
 * broadcast (numpy rules). Int32 inputs (class indices) are compared as
 * int32 when every input and `value` is an integer, else everything as float32.
 * No weights; not differentiable.
 *
 * Inputs: `x` or `[x1, x2, ...]`, float32 or int32 (e.g. `[batch]` class indices).
 * Shape: the inputs' broadcast shape, bool.
 * @throws LayerArgumentError for an unknown `kind` or a `value` that is not a finite number or null
 *   (`Compare: kind must be one of 'equal', ... Received: kind="same".`), or one input without a `value`.
 * @throws InputShapeError if the input shapes do not broadcast.
 */
export class Compare extends Layer {
  static override readonly className: string = 'Compare';
  readonly kind: CompareKind;
  readonly value: number | null;

  constructor(args: CompareArgs = {}) {
    super(args);
    const a = resolveArgs('Compare', COMPARE_OPTIONS, args) as CompareArgs & { kind: CompareKind };
    this.kind = a.kind;
    this.value = a.value ?? null;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const given = many(inputs);
    this.computeOutputShape(given.map((x) => x.shape));
    const asInt = given.every((x) => x.dtype === 'int32' || x.dtype === 'bool') && (this.value === null || Number.isInteger(this.value));
    const dtype = asInt ? 'int32' : 'float32';
    const xs = given.map((x) => (x.dtype === dtype ? x : ops.cast(x, dtype)));
    if (this.value !== null) xs.push(ops.scalar(this.value, dtype));
    const op = compareOps[this.kind];
    let result = op(xs[0]!, xs[1]!);
    for (let i = 2; i < xs.length; i++) result = and(result, op(xs[i - 1]!, xs[i]!));
    return result;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    if (this.value === null && shapes.length < 2) {
      throw new LayerArgumentError(
        `Compare '${this.name}' without a value compares its inputs with each other and needs at least 2 inputs. ` +
          `Received: ${shapes.length} input with shape ${formatShape(shapes[0] as Shape)}; give a value to compare it with.`,
      );
    }
    let out: SymbolicShape = shapes[0]!;
    for (const s of shapes.slice(1)) {
      const next = broadcastShape(out, s);
      if (!next) throw new InputShapeError({ layer: this.name, expected: `input shapes do not broadcast; the inputs before it broadcast to ${formatShape(out as Shape)}`, received: s });
      out = next;
    }
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), kind: this.kind, value: this.value };
  }
}

/** The template of a compare entry: its widest source's axes (Dims), bool, not sparse. */
function compareOutput(c: LayerBuildContext): Data | undefined {
  const widest = commonSourcesData(c);
  return widest?.copy({ name: c.name, dtype: 'bool', sparseDim: undefined });
}

/**
 * RETURNN's `compare` (`CompareLayer`): `kind` (`equal` by default; RETURNN's
 * operator spellings `==`, `<` ... too), `value`; several sources are
 * compared in a chain. Sparse sources (class indices) are fine: the output
 * has the source's axes, bool.
 */
export const compareLayer: LayerSpec = {
  cls: Compare,
  options: COMPARE_OPTIONS,
  netDict: { names: ['compare'], sources: 'list', broadcastSources: true, acceptsSparse: true, outputData: compareOutput },
};
