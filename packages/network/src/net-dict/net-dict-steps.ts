import { ops, type Tensor } from '@strata/backend';
import { type CallContext, type Data, INFERENCE } from '@strata/core';
import type { LossHolder } from '@strata/losses';
import { NetworkArgumentError, RecStepInfoNotAvailableError } from '../errors.js';
import type { ExternData } from '../extern-data.js';
import type { LayerNode, LayerOutput } from './layer-node.js';
import { type ComputedLosses, computeLosses, fetchesDict, type FetchesOptions, lastLosses } from './losses.js';
import { NetDictParams } from './net-dict-params.js';
import type { NetDictNetwork } from './net-dict-network.js';
import type { NetDictNetworkArgs } from './network-args.js';
import { searchChoices, type SearchChoicesOptions } from './search-choices.js';

/** The state of the current frame of a running rec unit (seed 003 `set_rec_step_info`). */
export interface RecStepInfo {
  /** The frame index (seed `i`). */
  i: number;
  /** bool `[batch]`: the sequence has ended (seed `end_flag`), when known. */
  endFlag?: Tensor;
  /** int32 `[batch]`: sequence lengths (seed `seq_lens`), when known. */
  seqLens?: Tensor;
}


/**
 * The per-step part of {@link NetDictNetwork} (seed 003 `TFNetwork`): data
 * keys and batch size, losses, fetches, the train flag, search choices and
 * rec step info. A base class only to keep the network's files small.
 */
export abstract class NetDictSteps extends NetDictParams {
  abstract override readonly externData: ExternData;
  abstract readonly trainFlag: boolean | undefined;
  abstract readonly evalFlag: boolean;
  abstract readonly enclosing: NetDictNetworkArgs['enclosing'];
  abstract readonly parentNet: NetDictNetwork | undefined;
  protected abstract readonly insideRec: boolean;
  abstract lossNodes(mode?: 'all' | 'train' | 'eval'): LayerNode[];
  abstract forward(inputs: Record<string, Tensor>, ctx?: CallContext, outs?: Map<string, LayerOutput>): Map<string, LayerOutput>;
  private readonly markedDataKeys = new Set<string>();
  private readonly extraAddedKeys = new Set<string>();
  private recStepInfo: RecStepInfo | undefined;
  private lastComputed: ComputedLosses | undefined;

  /** Seed `get_extern_data`: the Data of `key`, recorded as used (`markDataKeyAsUsed`, default true). @throws LayerNotFoundError */
  getExternData(key: string, opts: { markDataKeyAsUsed?: boolean } = {}): Data {
    const d = this.externData.getData(key);
    if (opts.markDataKeyAsUsed !== false) this.markedDataKeys.add(key);
    return d;
  }
  /** Extern-data keys layers read (the inputs of inference; loss targets left out). */
  inputKeys(): string[] {
    const keys = new Set<string>();
    for (const n of this.nodes.values()) for (const s of n.sources) if (s.kind === 'data') keys.add(s.key);
    return [...keys];
  }
  /** Extern-data keys the network reads (inputs, loss targets, keys marked by `getExternData`). */
  usedDataKeys(): string[] {
    return this.getUsedDataKeys();
  }
  /** Seed `get_used_data_keys`; `excludeExtraAdded` (default true) leaves out `seq_tag` added by {@link getSeqTags}. */
  getUsedDataKeys(opts: { excludeExtraAdded?: boolean } = {}): string[] {
    const keys = new Set<string>(this.inputKeys());
    for (const n of this.nodes.values()) if (n.target) keys.add(n.target);
    for (const k of this.markedDataKeys) if (!(opts.excludeExtraAdded !== false && this.extraAddedKeys.has(k))) keys.add(k);
    return [...keys];
  }
  /**
   * Seed `get_seq_tags`: the batch's sequence tags (`batch.seq_tag`, one
   * string per sequence) or, when the batch carries none, `seq-0`, `seq-1`, …
   * (RETURNN's default tags). With `beam`, each tag repeats `beam` times.
   * @throws NetworkArgumentError if the tags do not match the batch size.
   */
  getSeqTags(batch: Readonly<Record<string, Tensor | readonly string[]>>, opts: { markDataKeyAsUsed?: boolean; beam?: number } = {}): string[] {
    if (opts.markDataKeyAsUsed !== false) {
      this.markedDataKeys.add('seq_tag');
      this.extraAddedKeys.add('seq_tag');
    }
    const tensors = Object.fromEntries(Object.entries(batch).filter(([, v]) => !Array.isArray(v))) as Record<string, Tensor>;
    const n = this.getBatchDim(tensors);
    const given = batch.seq_tag as readonly string[] | undefined;
    if (given && given.length !== n) throw new NetworkArgumentError(`getSeqTags: the batch has ${n} sequences but ${given.length} seq_tag entries.`);
    const tags = given ? [...given] : Array.from({ length: n }, (_, i) => `seq-${i}`);
    return opts.beam ? tags.flatMap((t) => Array<string>(opts.beam!).fill(t)) : tags;
  }
  /**
   * Seed `get_batch_dim`: the number of sequences in `batch`, from the
   * default input, else any extern-data key, else any tensor.
   * @throws NetworkArgumentError for a batch without tensors.
   */
  getBatchDim(batch: Readonly<Record<string, Tensor>>): number {
    const t = batch[this.externData.defaultInput] ?? this.externData.keys.map((k) => batch[k]).find((x) => x) ?? Object.values(batch)[0];
    if (!t) throw new NetworkArgumentError(`getBatchDim: the batch has no tensors. Give at least '${this.externData.defaultInput}'.`);
    return t.shape[0]!;
  }

  /** Seed `get_losses_initialized`: loss name → LossHolder; with `withTotal`, the totals of the last {@link computeLosses}. */
  getLossesInitialized(opts: { withTotal?: boolean } = {}): { losses: Record<string, LossHolder>; totalLoss?: Tensor; totalConstraints?: Tensor } {
    const losses = Object.fromEntries(this.lossNodes().map((n) => [n.lossHolder!.name, n.lossHolder!]));
    if (!opts.withTotal) return { losses };
    return { losses, totalLoss: this.getTotalLoss(), totalConstraints: this.getTotalConstraints() };
  }
  /** Runs `batch` and computes every loss, total loss, constraints and objective (kept for the getters below). */
  computeLosses(batch: Readonly<Record<string, Tensor>>, ctx: CallContext = INFERENCE): ComputedLosses {
    return (this.lastComputed = computeLosses(this.self, batch, ctx));
  }
  /** Seed `get_total_loss`: of the last {@link computeLosses}; 0 without losses. @throws LossesNotComputedError */
  getTotalLoss(): Tensor {
    return this.lossNodes().length === 0 ? ops.scalar(0) : lastLosses(this.lastComputed, 'getTotalLoss').totalLoss;
  }
  /** Seed `get_total_constraints`: sum of L2 and added losses, of the last {@link computeLosses}. @throws LossesNotComputedError */
  getTotalConstraints(): Tensor {
    return lastLosses(this.lastComputed, 'getTotalConstraints').totalConstraints;
  }
  /** Seed `get_objective`: total loss + constraints, of the last {@link computeLosses}. @throws LossesNotComputedError */
  getObjective(): Tensor {
    return lastLosses(this.lastComputed, 'getObjective').objective;
  }
  /** Seed `get_fetches_dict`: what a step computes on `batch`, as named tensors (see {@link fetchesDict}). */
  getFetchesDict(batch: Readonly<Record<string, Tensor>>, opts: FetchesOptions = {}): Record<string, Tensor> {
    return fetchesDict(this.self, batch, opts);
  }

  /** Seed `cond_on_train`: `fnTrain()` when training (the `trainFlag`, else `ctx.training`), else `fnEval()`. @throws NetworkArgumentError if dynamic and no `ctx`. */
  condOnTrain<T>(fnTrain: () => T, fnEval: () => T, ctx?: CallContext): T {
    const training = this.trainFlag ?? ctx?.training;
    if (training === undefined) throw new NetworkArgumentError(`condOnTrain: network '${this.name}' has a dynamic train flag; pass the call context (ctx) to decide.`);
    return training ? fnTrain() : fnEval();
  }
  /** Seed `get_search_choices`: the latest layer with search choices that `src`/`sources` depend on, or null. */
  getSearchChoices(opts: SearchChoicesOptions): LayerNode | null {
    return searchChoices(this.self, opts);
  }
  /** Seed `debug_search_choices`: logs the search of {@link getSearchChoices} from `src`; returns false (for `cond || debug…` constructs). */
  debugSearchChoices(src: string, log: (line: string) => void = console.log): false {
    log(`search choices of '${src}': ${this.getSearchChoices({ src, debug: log })?.name ?? 'none'}`);
    return false;
  }

  /** Seed `set_rec_step_info`: the rec unit's current frame (set by the unit's loop, cleared after it). */
  setRecStepInfo(info: RecStepInfo | undefined): void {
    this.recStepInfo = info;
  }
  /** Seed `have_rec_step_info`. */
  haveRecStepInfo(): boolean {
    return this.recStepInfo !== undefined;
  }
  /** Seed `get_rec_step_info`. @throws RecStepInfoNotAvailableError outside a running rec unit when `mustExist` (default). */
  getRecStepInfo(opts: { mustExist?: boolean } = {}): RecStepInfo | undefined {
    if (!this.recStepInfo && opts.mustExist !== false) {
      throw new RecStepInfoNotAvailableError(`Network '${this.name}' is not a rec unit running a frame: rec step info exists only inside a "rec" unit's forward pass.`);
    }
    return this.recStepInfo;
  }
  /** Seed `get_rec_step_index`: the current frame index. @throws RecStepInfoNotAvailableError */
  getRecStepIndex(): number {
    return this.getRecStepInfo()!.i;
  }
  /** Seed `is_inside_rec_layer`: true in a rec unit (or a network constructed with `isInsideRecLayer`). */
  isInsideRecLayer(): boolean {
    return this.insideRec;
  }
  /** Seed `get_rec_parent_layer`: the node of the rec layer this network is (or is inside of) the unit of, else undefined. */
  getRecParentLayer(): LayerNode | undefined {
    if (!this.enclosing) return this.parentNet?.getRecParentLayer();
    return this.parentNet!.nodes.get(this.name);
  }

  /** Forgets the last losses and rec step info. */
  protected clearStepState(): void {
    this.lastComputed = undefined;
    this.recStepInfo = undefined;
  }
}
