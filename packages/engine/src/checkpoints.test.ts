import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, removeStaleTempFiles } from './checkpoints.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoint directory housekeeping', () => {
  it('removes the temporary files of interrupted saves, and nothing else', () => {
    for (const n of ['epoch-001.safetensors', 'epoch-002.safetensors', 'epoch-003.safetensors.1234', 'epoch-003.safetensors.55', 'notes.txt', 'epoch-004.safetensors.tmp']) {
      writeFileSync(join(dir, n), 'x');
    }
    expect(removeStaleTempFiles(dir).sort()).toEqual(['epoch-003.safetensors.1234', 'epoch-003.safetensors.55']);
    expect(readdirSync(dir).sort()).toEqual(['epoch-001.safetensors', 'epoch-002.safetensors', 'epoch-004.safetensors.tmp', 'notes.txt']);
    expect(latestCheckpoint(dir)!.epoch).toBe(2);
    expect(removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });
});
