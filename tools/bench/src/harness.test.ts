import { afterEach, describe, expect, it, vi } from 'vitest';
import { ratioChartSvg } from './chart.js';
import type { Contender } from './contender.js';
import { groupMarkdown, ratio, targetsMarkdown } from './markdown.js';
import { BenchOptionError, readOptions } from './options.js';
import { type GroupPlan, groupResult } from './results.js';
import { type Measured, measure } from './runner.js';

const OUT = '/tmp/out';

describe('readOptions', () => {
  it('defaults to every workload and model', () => {
    const o = readOptions({}, [], OUT);
    expect(o.workloads).toEqual(['train', 'infer', 'construct', 'checkpoint']);
    expect(o.models).toEqual(['MLP', 'CNN']);
    expect(o.rounds).toBe(7);
    expect(o.trainBatches).toEqual({ MLP: 40, CNN: 10 });
    expect(o.outDir).toBe(OUT);
  });
  it('reads variables, lets arguments win, and parses per-model batches', () => {
    const o = readOptions(
      { BENCH_WORKLOADS: 'infer,train', BENCH_ROUNDS: '3', BENCH_TRAIN_BATCHES: 'CNN=all', BENCH_TRAIN_CPU_BATCHES: '1', BENCH_OUT: 'none' },
      ['--rounds=5', '--models=CNN'],
      OUT,
    );
    expect(o.workloads).toEqual(['train', 'infer']);
    expect(o.models).toEqual(['CNN']);
    expect(o.rounds).toBe(5);
    expect(o.trainBatches).toEqual({ MLP: 40, CNN: null });
    expect(o.trainCpuBatches).toEqual({ MLP: 1, CNN: 1 });
    expect(o.outDir).toBeNull();
  });
  it('rejects bad values with a message naming them', () => {
    expect(() => readOptions({ BENCH_ROUNDS: '0' }, [], OUT)).toThrow(/BENCH_ROUNDS must be a positive integer. Received: "0"/);
    expect(() => readOptions({ BENCH_WORKLOADS: 'train,fly' }, [], OUT)).toThrow(BenchOptionError);
    expect(() => readOptions({ BENCH_TRAIN_BATCHES: 'RNN=3' }, [], OUT)).toThrow(/MLP=<n\|all>/);
    expect(() => readOptions({}, ['rounds=3'], OUT)).toThrow(/Unknown argument "rounds=3"/);
  });
});

/** The clock the fake contenders advance: `measure` reads it through `performance.now`, so timings are exact. */
let clock = 0;

/** A contender whose pass takes exactly `ms` milliseconds on the mocked clock, or throws. */
function fake(name: string, ms: number, extra: Partial<Contender> = {}, fail = false): Contender & { passes: number } {
  const c = {
    name,
    detail: 'fake',
    passes: 0,
    activate: async () => {},
    pass(out: Float32Array): void {
      if (fail) throw new TypeError(`${name} cannot run here`);
      c.passes++;
      out[0] = ms;
      clock += ms;
    },
    dispose: async () => {},
    ...extra,
  };
  return c;
}

describe('measure', () => {
  afterEach(() => vi.restoreAllMocks());

  it('times every available contender per round, per unit, and reports the others as unavailable', async () => {
    const a = fake('a', 20);
    const b = fake('b', 40, { units: 2 });
    const slow = fake('slow', 30, { maxRounds: 1, skipWarmup: true });
    const broken = fake('broken', 1, {}, true);
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const m = await measure([a, b, slow, broken], 1, 3);
    expect(a.passes).toBe(4); // warm-up + 3 rounds
    expect(slow.passes).toBe(1); // no warm-up, one round
    expect(m[0]!.timing!.samples).toHaveLength(3);
    expect(m[0]!.timing!.samples).toEqual([20, 20, 20]);
    // 40 ms over 2 units: 20 ms per unit.
    expect(m[1]!.timing!.samples).toEqual([20, 20, 20]);
    expect(m[1]!.warmupMs).toBe(20);
    expect(m[2]!.timing!.samples).toHaveLength(1);
    expect(m[2]!.output[0]).toBe(30); // the first timed pass filled the outputs
    expect(Number.isNaN(m[2]!.warmupMs)).toBe(true);
    expect(m[3]!.timing).toBeNull();
    expect(m[3]!.unavailable).toBe('TypeError: broken cannot run here');
  });
});

function measured(name: string, samples: number[] | null, unavailable?: string): Measured {
  const c = fake(name, 0);
  const timing = samples && { median: [...samples].sort((x, y) => x - y)[samples.length >> 1]!, min: Math.min(...samples), max: Math.max(...samples), samples };
  return { contender: c, timing, output: new Float32Array(0), warmupMs: 5, ...(unavailable ? { unavailable } : {}) };
}

describe('groupResult, Markdown and chart', () => {
  const plan: GroupPlan = {
    id: 'train/X',
    workload: 'train',
    title: 'X training',
    rounds: 3,
    scale: { factor: 100, label: 's per epoch' },
    peers: { strata: 'peer', ort: 'gone' },
    targets: [
      { source: '#8', text: 'strata ≤ 1.05× peer', subject: 'strata', peer: 'peer', maxRatio: 1.05 },
      { source: '#5', text: 'strata ≥ 8× faster than peer', subject: 'strata', peer: 'peer', maxRatio: 1 / 8 },
      { source: '#5', text: 'ort vs gone', subject: 'ort', peer: 'gone', maxRatio: 1 },
    ],
    flops: 2e9,
  };
  const g = groupResult(plan, [measured('strata', [10, 11, 30]), measured('peer', [10, 12, 20]), measured('ort', [1]), measured('gone', null, 'BackendCapabilityError: no')]);

  it('computes ratios to the peer on medians and mins, spreads, GFLOP/s and target verdicts', () => {
    const s = g.rows[0]!;
    expect(s.ratio).toBeCloseTo(11 / 12, 12);
    expect(s.ratioMin).toBeCloseTo(1, 12);
    expect(s.spread).toBeCloseTo((30 - 10) / 11, 12);
    expect(s.gflops).toBeCloseTo(2e9 / (11 * 1e6), 9);
    expect(g.rows[3]!.unavailable).toBe('BackendCapabilityError: no');
    expect(g.rows[2]!.ratio).toBeUndefined();
    expect(g.targets.map((t) => t.pass)).toEqual([true, false, null]);
  });

  it('prints unavailable rows, the extrapolated column and the verdicts', () => {
    const md = groupMarkdown(g).join('\n');
    expect(md).toContain('| strata | 11.0 | 10.0–30.0 | 182% | 0.92× peer (min 1.00×) | 1.1 | 181.82 | 5.00 |');
    expect(md).toContain('| gone | unavailable: BackendCapabilityError: no |');
    expect(md).toContain('– (gone unavailable)');
    const targets = targetsMarkdown([g]).join('\n');
    expect(targets).toContain('| PASS | train/X | #8 | strata ≤ 1.05× peer | 0.92× | 1.00× | ≤ 1.050× |');
    expect(targets).toContain('| FAIL | train/X | #5 | strata ≥ 8× faster than peer | 0.92× (1.09× faster) |');
    expect(targets).toContain('| n/a | train/X | #5 | ort vs gone | – | – |');
    expect(ratio(0.00123)).toBe('0.0012×');
  });

  it('draws one bar per compared row with the target bound', () => {
    const svg = ratioChartSvg([g], 'T & <test>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('T &amp; &lt;test&gt;');
    expect(svg).toContain('train/X: strata / peer');
    expect(svg.match(/<rect /g)).toHaveLength(2); // background + one bar
    expect(svg).toContain('0.92×');
  });
});
