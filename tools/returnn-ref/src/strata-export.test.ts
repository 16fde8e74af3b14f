// Strata → RETURNN: each net dict of EXPORT_CASES is trained a few SGD steps in Strata and its params are
// written as a TF tensor bundle under RETURNN's names (returnnParamsOf + writeTfBundle). The committed bundle
// in strata-export/<case>/ was loaded into the real RETURNN with the same net dict by strata_export_check.py,
// which recorded RETURNN's outputs (returnn_outputs.safetensors). Here: training again gives that bundle's
// values; Strata's trained net, and a fresh net loaded from the bundle by CheckpointLoader, give RETURNN's
// outputs on the valid frames. STRATA_EXPORT_WRITE=1 rewrites the bundles (then rerun the Python script).
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { CheckpointLoader, decodeSafetensors, encodeSafetensors, readTfBundle, returnnParamsOf, writeTfBundle } from '@strata/savers';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOf, buildExportNet, EXPORT_CASES, exportInputs, namedLayers, SEQ_LENS, STEPS, trainExportNet } from './strata-export.js';

const ROOT = join(import.meta.dirname, '..', 'strata-export');
const WRITE = process.env.STRATA_EXPORT_WRITE === '1';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

/** Max |a - b| over the valid frames of batch-major `[B, T, F]` arrays. */
function validDiff(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): number {
  const [, t, f] = shape as [number, number, number];
  let worst = 0;
  SEQ_LENS.forEach((len, bi) => {
    for (let i = bi * t * f; i < (bi * t + len) * f; i++) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(b[i])) || (Number.isNaN(a[i]) ? Infinity : 0));
  });
  return worst;
}

describe("Strata-trained nets saved with RETURNN's param names load into RETURNN and give the same outputs", () => {
  for (const c of EXPORT_CASES) {
    it(c.name, async () => {
      const dir = join(ROOT, c.name);
      const inputs = exportInputs();
      const trained = trainExportNet(c, inputs);
      const params = returnnParamsOf(namedLayers(trained), { batchNormParamVersion: (c.behavior_version ?? 0) >= 12 ? 2 : 0, globalStep: STEPS });
      if (WRITE) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'net.json'), `${JSON.stringify({ name: c.name, extern_data: c.extern_data, network: c.network, behavior_version: c.behavior_version }, null, 1)}\n`);
        writeFileSync(join(dir, 'inputs.safetensors'), encodeSafetensors(inputs));
        await writeTfBundle(join(dir, 'model'), params, {}, { int64: ['global_step'] });
      }
      // The committed bundle holds what this training gives, under RETURNN's names.
      const bundle = await readTfBundle(join(dir, 'model.index'));
      expect([...bundle.tensors.keys()].sort()).toEqual(params.map((p) => p.name).sort());
      for (const p of params) {
        const got = bundle.tensors.get(p.name)!;
        expect(got.shape, p.name).toEqual(p.shape);
        expect(validDiff(got.data, p.data, [1, 1, p.data.length]), p.name).toBeLessThan(1e-6);
      }
      // RETURNN's outputs, recorded by strata_export_check.py from that bundle.
      const refFile = join(dir, 'returnn_outputs.safetensors');
      expect(existsSync(refFile), `${refFile}: run strata_export_check.py (see the README)`).toBe(true);
      const ref = decodeSafetensors(new Uint8Array(readFileSync(refFile)), refFile).tensors.get('output')!;
      const batch = batchOf(inputs);
      const ours = ops.readSync(trained.forward(batch).get('output')!.value);
      expect(validDiff(ours, ref.data, ref.shape)).toBeLessThan(1e-5);
      // A fresh net loads the bundle by RETURNN's names (the loader's mapping, the inverse of returnnParamsOf).
      const fresh = buildExportNet(c);
      fresh.forward(batch);
      const before = ops.readSync(fresh.forward(batch).get('output')!.value);
      expect(validDiff(before, ref.data, ref.shape)).toBeGreaterThan(1e-3);
      new CheckpointLoader({ tensors: bundle.tensors, variables: fresh.variables, loadIfPrefix: `${fresh.name}/`, source: join(dir, 'model.index') }).loadNow();
      const loaded = ops.readSync(fresh.forward(batch).get('output')!.value);
      expect(validDiff(loaded, ref.data, ref.shape)).toBeLessThan(1e-5);
    });
  }
});
