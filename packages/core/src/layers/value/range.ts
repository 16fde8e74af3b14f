import { type DType, ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { staticData } from './constant.js';

/** Arguments of {@link Range}. */
export interface RangeArgs extends LayerArgs {
  /** End, exclusive (RETURNN `limit`). */
  limit: number;
  /** First value (RETURNN `start`). Default 0. */
  start?: number;
  /** Step, non-zero (RETURNN `delta`). Default 1. */
  delta?: number;
  /** `int32` or `float32` (RETURNN `dtype`); default int32 when start, limit and delta are integers, else float32. */
  dtype?: DType;
}

const DELTA = 'must be a non-zero number';
// RETURNN sizes the output with Python's len(range(start, limit, delta)), which fails for floats: net dicts give ints.
const INT = 'must be an integer (RETURNN: len(range(...)) takes ints; give dtype "float32" for float values)';
const intArg = z.number({ error: INT }).int({ error: INT });
const RANGE_OPTIONS = {
  limit: option(schemas.number(), { returnn: 'limit', returnnSchema: intArg }),
  start: option(schemas.number(), { default: 0, returnn: 'start', returnnSchema: intArg }),
  delta: option(z.number({ error: DELTA }).refine((v) => Number.isFinite(v) && v !== 0, { error: DELTA }), { default: 1, returnn: 'delta', returnnSchema: intArg.refine((v) => v !== 0, { error: DELTA }) }),
  dtype: option(z.enum(['float32', 'int32'], { error: "must be 'float32' or 'int32'" }).optional(), { returnn: 'dtype' }),
  sparse: option(z.literal(false, { error: 'must be false (a sparse range has a class dim of unknown size, which Strata cannot template)' }).optional(), { returnn: 'sparse' }),
} satisfies LayerOptions;

/**
 * `start, start + delta, ...` before `limit` (RETURNN `RangeLayer`,
 * `tf.range`): `max(0, ceil((limit - start) / delta))` values, no batch axis.
 *
 * Inputs: none. Shape: `[n]`, int32 or float32. No weights.
 * @throws LayerArgumentError for a missing `limit`, a zero `delta`, or an empty range.
 */
export class Range extends Layer {
  static override readonly className: string = 'Range';
  readonly limit: number;
  readonly start: number;
  readonly delta: number;
  readonly outDType: DType;

  constructor(args: RangeArgs) {
    super({ ...args, dtype: undefined });
    const a = resolveArgs('Range', RANGE_OPTIONS, args) as Required<RangeArgs>;
    this.limit = a.limit;
    this.start = a.start;
    this.delta = a.delta;
    this.outDType = args.dtype ?? ([a.start, a.limit, a.delta].every(Number.isInteger) ? 'int32' : 'float32');
    if (this.size === 0) throw new LayerArgumentError(`Range: the range [${a.start}, ${a.limit}) with delta ${a.delta} is empty. Received: start=${a.start}, limit=${a.limit}, delta=${a.delta}.`);
  }

  /** The number of values. */
  get size(): number {
    return Math.max(0, Math.ceil((this.limit - this.start) / this.delta));
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const values = Array.from({ length: this.size }, (_, i) => this.start + i * this.delta);
    return ops.tensor(this.outDType === 'int32' ? Int32Array.from(values) : Float32Array.from(values), [this.size], this.outDType);
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [this.size];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), limit: this.limit, start: this.start, delta: this.delta, dtype: this.outDType };
  }
}

/** RETURNN's `range`: `limit`, `start`, `delta` (ints, as RETURNN needs), `dtype`; `sparse` only False. The output has no batch axis. */
export const rangeLayer: LayerSpec = {
  cls: Range,
  options: RANGE_OPTIONS,
  netDict: {
    names: ['range'],
    sources: 'none',
    outputData: (c) => {
      const l = c.layer as Range;
      return staticData(c.name, [l.size], l.outDType);
    },
  },
};
