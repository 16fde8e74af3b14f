// The params Strata lists for a fixture's net (`params.getParamsList()`,
// `getNumParams()`) are those of RETURNN's `get_params_list()` (recorded in
// net.json by generate.py): RETURNN constructs only what `output`, the losses and
// the `is_output_layer` layers need (top level and inside rec units), so the
// layers nobody needs have no params there, and none in Strata's list either.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { join } from 'node:path';
import { readTfBundle } from '@strata/savers';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FAILURES } from './expected-failures.js';
import { fixtureNames, readFixture } from './fixture.js';
import { buildAndRun } from './run-fixture.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures');

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

/** RETURNN's `net params #`; with `all` false, without the kept states of `initial_state: keep_over_epoch` (RETURNN variables Strata keeps outside its params, not saved). */
const returnnCount = (params: Record<string, { shape: number[] }>, all = false) =>
  Object.entries(params)
    .filter(([k]) => all || !/\/keep_state_[^/]+$/.test(k))
    .reduce((n, [, p]) => n + p.shape.reduce((a, b) => a * b, 1), 0);

describe("Strata's params are RETURNN's get_params_list()", () => {
  it('unused_layers_top_and_rec: the unused layers (top level, in the rec unit) hold no params; count and checkpoint as RETURNN', async () => {
    const fx = readFixture(join(ROOT, 'unused_layers_top_and_rec'));
    const run = buildAndRun(fx);
    expect(run.ok, run.ok ? '' : run.detail).toBe(true);
    if (!run.ok) return;
    const net = run.net;
    // Strata built every entry, including the unused ones.
    expect([...net.nodes.keys()]).toContain('unused_top');
    const unit = (net.nodes.get('dec')!.layer as unknown as { unitGraph: { nodes: Map<string, unknown> } }).unitGraph;
    expect([...unit.nodes.keys()]).toEqual(expect.arrayContaining(['unused_rec', 'unused_prev']));
    const paths = net.params.getParamsList().map((v) => v.path);
    expect(paths.filter((p) => /unused/.test(p))).toEqual([]);
    expect(paths).toHaveLength(Object.keys(fx.net.params).length);
    expect(net.params.getNumParams()).toBe(returnnCount(fx.net.params as never, true));
    expect(net.params.getTrainableParams()).toHaveLength(paths.length);
    expect(net.variables).toEqual(net.params.getSaveableParamsList());
    expect(Object.keys(net.params.getParamValuesDict()).sort()).toEqual(['dec', 'hidden', 'side', 'side_in']);
    // RETURNN's own checkpoint: every param besides global_step, nothing more.
    const bundle = await readTfBundle(join(ROOT, 'unused_layers_top_and_rec', 'model.index'));
    expect(bundle.tensors.size - 1).toBe(paths.length);
  });

  it('every matching fixture: the param count is RETURNN’s', () => {
    const differ: string[] = [];
    for (const name of fixtureNames(ROOT).filter((n) => !EXPECTED_FAILURES[n])) {
      const fx = readFixture(join(ROOT, name));
      const run = buildAndRun(fx);
      if (!run.ok) continue;
      const want = returnnCount((fx.net.params) as never);
      if (run.net.params.getNumParams() !== want) differ.push(`${name}: Strata ${run.net.params.getNumParams()}, RETURNN ${want}`);
    }
    expect(differ).toEqual([]);
  });
});
