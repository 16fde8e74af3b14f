import { formatShape, ops, type Shape, type Tensor } from '@strata/backend';
import { type Activation, getActivation } from '../activations.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import { many } from './util.js';

/** The kinds of {@link Combine}. */
export const COMBINE_KINDS = ['add', 'sub', 'mul', 'truediv', 'maximum', 'minimum', 'average'] as const;
/** One of {@link COMBINE_KINDS}. */
export type CombineKind = (typeof COMBINE_KINDS)[number];

/** Arguments of {@link Combine}. */
export interface CombineArgs extends LayerArgs {
  /** How the inputs are combined; `sub` and `truediv` take exactly two inputs (`a - b`, `a / b`). */
  kind: CombineKind;
  /** Activation name applied to the result (default linear). */
  activation?: string | null;
}

const binary: Record<Exclude<CombineKind, 'average'>, (a: Tensor, b: Tensor) => Tensor> = {
  add: ops.add,
  sub: ops.sub,
  mul: ops.mul,
  truediv: ops.div,
  maximum: ops.maximum,
  minimum: ops.minimum,
};

const COMBINE_OPTIONS = {
  kind: option(schemas.oneOf(COMBINE_KINDS), { returnn: 'kind' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
} satisfies LayerOptions;

/** numpy's broadcast of two shapes (`null`: unknown size), or `undefined` if they do not broadcast. */
export function broadcastShape(a: SymbolicShape, b: SymbolicShape): (number | null)[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const y = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x === y) out.push(x);
    else return undefined;
  }
  return out;
}

/**
 * Elementwise combination of several inputs with numpy broadcasting (RETURNN
 * `combine` with `kind`; Keras `Add`, `Multiply`, `Maximum`, `Minimum`,
 * `Average`; `sub` and `truediv` as RETURNN), then an optional activation.
 * `add`, `mul`, `maximum`, `minimum` fold left over the inputs; `average` is
 * their sum divided by their count. No weights.
 *
 * Shape: `[batch, ..., f]` each (broadcastable, e.g. `[batch, time, f]` and
 * `[batch, 1, f]`) → the broadcast shape, float32.
 * @throws LayerArgumentError for an unknown `kind` or activation, or a wrong number of inputs
 *   (`sub`/`truediv`: exactly 2; others: at least 1).
 * @throws InputShapeError if the input shapes do not broadcast.
 */
export class Combine extends Layer {
  static override readonly className: string = 'Combine';
  readonly kind: CombineKind;
  readonly activationName: string | null;
  private readonly activationFn: Activation;

  constructor(args: CombineArgs) {
    super(args);
    const a = resolveArgs('Combine', COMBINE_OPTIONS, args);
    this.kind = a.kind;
    this.activationName = a.activation ?? null;
    this.activationFn = getActivation(this.activationName);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const xs = many(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    let y: Tensor;
    if (this.kind === 'average') y = xs.length === 1 ? xs[0]! : ops.div(xs.slice(1).reduce(ops.add, xs[0]!), xs.length);
    else y = xs.slice(1).reduce(binary[this.kind], xs[0]!);
    return this.activationFn(y);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    const two = this.kind === 'sub' || this.kind === 'truediv';
    if (two ? shapes.length !== 2 : shapes.length < 1) {
      throw new LayerArgumentError(
        `Combine '${this.name}' with kind='${this.kind}' needs ${two ? 'exactly 2 inputs' : 'at least 1 input'}. ` +
          `Received: ${shapes.length} inputs with shapes ${shapes.map((s) => formatShape(s as Shape)).join(', ')}.`,
      );
    }
    let out: (number | null)[] | undefined = [...shapes[0]!];
    for (const s of shapes.slice(1)) {
      const next = broadcastShape(out, s);
      if (!next) {
        throw new InputShapeError({ layer: this.name, expected: `input shapes do not broadcast; the inputs before it broadcast to ${formatShape(out as Shape)}`, received: s });
      }
      out = next;
    }
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), kind: this.kind, activation: this.activationName };
  }
}

/** RETURNN's `combine`. */
export const combineLayer: LayerSpec = { cls: Combine, options: COMBINE_OPTIONS, netDict: { names: ['combine'], sources: 'list' } };
