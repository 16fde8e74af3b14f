import { ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../../errors.js';
import { z } from 'zod';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames, sequenceMask } from '../../sequence-mask.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link PositionalEncoding}. */
export interface PositionalEncodingArgs extends LayerArgs {
  /** Output `x + encoding` instead of the encoding alone (RETURNN `add_to_input`). Default false. */
  addToInput?: boolean;
  /** Channels of the encoding (RETURNN `n_out`). Required without `addToInput`; with it, `x`'s features (checked if given). */
  units?: number;
  /** A position ≥ 0: every frame gets this position's encoding (RETURNN `constant`); -1 (default): frame `t` has position `t`. */
  constant?: number;
  /**
   * The layer takes a second input, offsets added to the positions (RETURNN
   * `offset`, a layer): int32 `[]`, `[batch]` or `[batch, time]`. Set by net dicts when the entry has `offset`.
   */
  withOffset?: boolean;
}

/** PositionalEncoding's arguments in both vocabularies. */
const POSITIONAL_ENCODING_OPTIONS = {
  addToInput: option(schemas.boolean(), { default: false, returnn: 'add_to_input' }),
  // A net dict without n_out gets null here (not the net dicts' own n_out default, the target's class count or an
  // error without a target): `derive` gives x's features with add_to_input, else the target's class count.
  units: option(schemas.positiveInt().optional(), { returnn: 'n_out', returnnDefault: null, returnnSchema: schemas.positiveInt().nullable() }),
  constant: option(z.number({ error: 'must be an integer >= -1' }).int({ error: 'must be an integer >= -1' }).min(-1, { error: 'must be an integer >= -1' }), { default: -1, returnn: 'constant' }),
  // RETURNN `offset` names a layer (a refKey); the layer only needs to know that it gets one.
  withOffset: option(schemas.boolean(), { default: false }),
} satisfies LayerOptions;

/** The channels must be given unless the encoding is added to `x`. */
const POSITIONAL_ENCODING_CHECKS: readonly LayerCheck[] = [
  (a, name) =>
    a.units === undefined && a.addToInput !== true
      ? `give ${name('units')}, the encoding's channels, or ${name('addToInput')}: true to add the encoding to x. ` +
        `Received: ${name('units')}=undefined, ${name('addToInput')}=${String(a.addToInput ?? false)}.`
      : undefined,
];

/**
 * The sinusoidal encoding `[time, channels]` of positions `0 .. time - 1`
 * (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.5, in
 * Tensor2Tensor's layout that RETURNN's `get_positional_encoding` uses):
 * channel `i < half` is `sin(t * s_i)`, channel `half + i` is `cos(t * s_i)`,
 * with `half = floor(channels / 2)` and timescales
 * `s_i = exp(-i * ln(10000) / max(half - 1, 1))`; an odd last channel is 0.
 * Computed on the host in float64 and rounded to float32.
 */
export function sinusoidalEncoding(time: number, channels: number): Float32Array {
  return sinusoidalEncodingAt(Array.from({ length: time }, (_, t) => t), channels);
}

/** {@link sinusoidalEncoding} of the given positions: `[positions.length, channels]`. */
export function sinusoidalEncodingAt(positions: ArrayLike<number>, channels: number): Float32Array {
  const half = Math.floor(channels / 2);
  const increment = Math.log(1e4) / Math.max(half - 1, 1);
  const out = new Float32Array(positions.length * channels);
  for (let t = 0; t < positions.length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[t]! * Math.exp(-i * increment);
      out[t * channels + i] = Math.sin(angle);
      out[t * channels + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/**
 * Adds or outputs the sinusoidal positional encoding of each frame
 * (RETURNN `PositionalEncodingLayer` outside a rec loop; Vaswani et al. 2017):
 * see {@link sinusoidalEncoding}. Frame `t` has position `t`, or `constant`
 * for every frame; with `withOffset`, plus the offset input (RETURNN `offset`,
 * broadcast over the batch and time: `[]`, `[batch]` or `[batch, time]`; its
 * values are read on the host).
 *
 * Inputs with `withOffset`: `[x, offset]` or `[x, offset, seqLens]`.
 * Inputs: `x` float32 `[batch, time, feature]`, or `[x, seqLens]` with
 * `seqLens` int32 `[batch]`; padded frames (`t >= seqLens[b]`) output zeros.
 * Without `addToInput`, only `x`'s shape is used (its values must be finite
 * when no `seqLens` are given, since the batch size is taken from `0 * x`).
 * The encoding is a host constant of `time` frames: the time axis is static.
 *
 * Shape: `[batch, time, feature]` → `[batch, time, units]` (`units = feature` with `addToInput`), float32.
 * @throws LayerArgumentError if `units` is missing without `addToInput`, or not a positive integer
 *   (`PositionalEncoding: units must be a positive integer. Received: units=0.`).
 * @throws InputShapeError if `x` is not rank 3, its features differ from `units` with `addToInput`,
 *   or `seqLens` is not int32 `[batch]`.
 */
export class PositionalEncoding extends Layer {
  static override readonly className: string = 'PositionalEncoding';
  readonly addToInput: boolean;
  readonly units: number | undefined;
  readonly constant: number;
  readonly withOffset: boolean;

  constructor(args: PositionalEncodingArgs = {}) {
    super(args);
    const a = resolveArgs('PositionalEncoding', POSITIONAL_ENCODING_OPTIONS, args, POSITIONAL_ENCODING_CHECKS);
    this.addToInput = a.addToInput!;
    this.units = a.units;
    this.constant = a.constant!;
    this.withOffset = a.withOffset!;
  }

  /** The encoding `[1 or batch, time, features]` of each frame's position (`t` or `constant`, plus the offset). */
  private signal(batch: number, time: number, features: number, offset: Tensor | undefined): Tensor {
    const base = (t: number) => (this.constant > -1 ? this.constant : t);
    if (!offset) return ops.tensor(sinusoidalEncodingAt(Array.from({ length: time }, (_, t) => base(t)), features), [1, time, features]);
    if (offset.shape.length > 2 || (offset.shape.length >= 1 && offset.shape[0] !== batch) || (offset.shape.length === 2 && offset.shape[1] !== time)) {
      throw new InputShapeError({ layer: this.name, expected: `offset [], [${batch}] or [${batch}, ${time}]`, received: offset.shape });
    }
    const off = Array.from(ops.readSync(offset), Number);
    const at = (b: number, t: number) => base(t) + (offset.shape.length === 0 ? off[0]! : offset.shape.length === 1 ? off[b]! : off[b * time + t]!);
    const rows = offset.shape.length === 0 ? 1 : batch;
    const pos = Array.from({ length: rows * time }, (_, i) => at(Math.floor(i / time), i % time));
    return ops.tensor(sinusoidalEncodingAt(pos, features), [rows, time, features]);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const offset = this.withOffset ? list[1] : undefined;
    if (this.withOffset && !offset) throw new InputShapeError({ layer: this.name, expected: 'inputs [x, offset] or [x, offset, seqLens]', received: list[0]?.shape ?? [] });
    const { x, seqLens } = seqInput(this.withOffset ? [list[0]!, ...list.slice(2)] : list, this.name);
    const [, time, features] = this.computeOutputShape(x.shape) as number[];
    const signal = this.signal(x.shape[0]!, time!, features!, offset);
    if (this.addToInput) {
      const y = ops.add(x, signal);
      return seqLens ? maskFrames(y, seqLens) : y;
    }
    // [batch, time, 1] ones (valid frames) or the mask: gives the output its batch axis.
    const frames = seqLens
      ? ops.reshape(sequenceMask(seqLens, time!), [-1, time!, 1])
      : ops.add(ops.mul(ops.stopGradient(ops.slice(x, [0, 0, 0], [-1, -1, 1])), 0), 1);
    return ops.mul(frames, signal);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length !== 3) throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 3 [batch, time, feature]', received: shape });
    if (this.addToInput && this.units !== undefined && shape[2] !== null && shape[2] !== this.units) {
      throw new InputShapeError({ layer: this.name, expected: `addToInput needs x with units=${this.units} features`, received: shape });
    }
    return [shape[0]!, shape[1]!, this.addToInput ? shape[2]! : this.units!];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), addToInput: this.addToInput, ...(this.units !== undefined ? { units: this.units } : {}), constant: this.constant, withOffset: this.withOffset };
  }
}

/**
 * RETURNN's `positional_encoding` (`PositionalEncodingLayer` outside a rec
 * loop, over the time axis): `add_to_input`, `n_out` (the channels; without
 * it, the source's features with `add_to_input`, else the target's class
 * count, as RETURNN infers `n_out`), `constant` (one position for every
 * frame), `offset` (a layer whose values are added to the positions). The
 * input's lengths zero padded frames.
 */
export const positionalEncodingLayer: LayerSpec = {
  cls: PositionalEncoding,
  options: {
    ...POSITIONAL_ENCODING_OPTIONS,
    // The layer it names becomes an input of its own (refKeys); the layer gets `withOffset`.
    offset: option(z.string({ error: 'must name a layer' }).optional(), { returnn: 'offset', fromReturnn: () => undefined }),
  },
  checks: POSITIONAL_ENCODING_CHECKS,
  netDict: {
    names: ['positional_encoding'],
    sources: 'concat',
    seqLens: true,
    refKeys: ['offset'],
    derive: (c, a) => ({
      ...(a.units === null ? { units: a.addToInput === true ? undefined : (c.target?.dim ?? undefined) } : {}),
      withOffset: typeof c.entry.offset === 'string',
    }),
  },
};
