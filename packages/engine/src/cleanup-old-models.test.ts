import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoints.js';
import { type CleanupOldModelsOptions, cleanupOldModels, defaultKeepPattern, oldModelsToRemove } from './cleanup-old-models.js';

// RETURNN's EngineBase.cleanup_old_models on stored epochs and their scores (tools/returnn-ref/cleanup_old_models.py).
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/cleanup-old-models.json', import.meta.url), 'utf8')) as {
  cases: { name: string; epochs: number[]; scores: Record<string, Record<string, number>>; opts: true | Record<string, unknown>; deleted: number[] }[];
};

/** RETURNN's option names (keep_last_n, ...) as Strata's. */
const optionsOf = (o: true | Record<string, unknown>): CleanupOldModelsOptions =>
  o === true ? {} : { keepLastN: o.keep_last_n as number | undefined, keepBestN: o.keep_best_n as number | undefined, keep: o.keep as number[] | undefined };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('cleanup_old_models: the epochs RETURNN deletes', () => {
  for (const c of FIXTURE.cases) {
    it(`${c.name}: ${c.epochs.length} epochs, ${JSON.stringify(c.opts)} → ${c.deleted.length} deleted`, () => {
      const scores = new Map(Object.entries(c.scores).map(([e, s]) => [Number(e), s]));
      expect(oldModelsToRemove(c.epochs, scores, optionsOf(c.opts))).toEqual(c.deleted);
    });
  }

  it("RETURNN's default keep pattern", () => {
    expect(defaultKeepPattern(10)).toEqual([4, 5, 8, 10]);
    expect(defaultKeepPattern(50)).toEqual([5, 10, 20, 40]);
    expect(defaultKeepPattern(100)).toEqual([10, 20, 40, 80]);
    // E = 300: keep every 80 · nextPowerOfTwo(1 + 1) = 160, and 20 · 2^i.
    expect(defaultKeepPattern(300)).toEqual([20, 40, 80, 160, 320].filter((e) => e <= 300));
  });

  it('deletes the files of those epochs only, never the newest, nothing else in the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cleanup-'));
    dirs.push(dir);
    for (let e = 1; e <= 12; e++) writeFileSync(checkpointPath(dir, e), 'x');
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    const c = FIXTURE.cases.find((k) => k.name === 'defaults_12_epochs')!;
    const scores = new Map(Object.entries(c.scores).map(([e, s]) => [Number(e), s]));
    expect(cleanupOldModels(dir, scores, {}, 12)).toEqual(c.deleted);
    const left = readdirSync(dir).sort();
    expect(left).toContain('metrics.jsonl');
    expect(left).toContain('epoch-012.safetensors');
    expect(left).toHaveLength(1 + 12 - c.deleted.length);
  });
});
