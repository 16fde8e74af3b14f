// TensorFlow reads what Strata writes. The bundles under fixtures/strata-written*/
// were written by this file and then read by TF 2.21; the commands run were
//
//   cd packages/savers && STRATA_WRITE_TF_FIXTURES=1 npx vitest run src/formats/tf-bundle/tf-interop.test.ts
//   /work/venv-ref/bin/python tools/tf-bundle-fixtures/make_fixtures.py check-strata
//
// The second loads each bundle with tf.train.load_checkpoint and dumps every
// value to <bundle>/tf-read.json, then saves the same values with
// tf.compat.v1.train.Saver into <bundle>/tf-resaved/. Here: Strata still writes
// exactly the committed bytes, TF read back every name, dtype, shape and value,
// and TF's own Saver wrote the same data shard (and, with TF's block size, the
// same .index) byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NamedTensorData } from '../../safetensors.js';
import { useTempDir } from '../../test-utils/temp-dir.js';
import { readTfBundle } from './bundle-reader.js';
import { type TfBundleWriteOptions, writeTfBundle } from './bundle-writer.js';
import { readSstable } from './sstable-reader.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const GENERATE = process.env['STRATA_WRITE_TF_FIXTURES'] === '1';
const dir = useTempDir('strata-tf-interop-');

const f32 = (name: string, shape: number[], values: number[]): NamedTensorData => ({ name, shape, dtype: 'float32', data: Float32Array.from(values) });
const BUNDLES: Record<string, { tensors: NamedTensorData[]; metadata: Record<string, string>; options: TfBundleWriteOptions }> = {
  'strata-written': {
    tensors: [
      f32('output/W', [4, 3], Array.from({ length: 12 }, (_, i) => (i - 5) * 0.375)),
      f32('output/b', [3], [1e-30, 3.4e38, -2.5]),
      f32('lstm0/rec/W_re', [2, 1, 2], [0.1, 0.2, 0.3, 0.4]),
      f32('scale', [], [1.25]),
      f32('empty', [0, 2], []),
      { name: 'global_step', shape: [], dtype: 'int32', data: new Int32Array([3400]) },
      { name: 'ids', shape: [2, 2], dtype: 'int32', data: new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]) },
      { name: 'mask', shape: [5], dtype: 'bool', data: new Uint8Array([1, 0, 1, 1, 0]) },
    ],
    metadata: { format: 'strata-checkpoint/1', epoch: '3' },
    options: {},
  },
  // 200 variables in 512-byte blocks: an index of many data blocks, which TF's reader walks through its index block.
  'strata-written-blocks': {
    tensors: Array.from({ length: 200 }, (_, i) => f32(`layer_${String(i).padStart(3, '0')}/bias`, [2], [i, -i / 4])),
    metadata: {},
    options: { blockSize: 512 },
  },
};

interface TfRead {
  dtype: string;
  shape: number[];
  values: (number | boolean | string)[];
}

describe('TensorFlow reads the bundles Strata writes', () => {
  for (const [name, { tensors, metadata, options }] of Object.entries(BUNDLES)) {
    const folder = path.join(FIXTURES, name);

    it(`${name}: Strata writes exactly the committed bytes${GENERATE ? ' (writing them now)' : ''}`, async () => {
      const prefix = GENERATE ? path.join(folder, 'model.ckpt') : path.join(dir(), 'model.ckpt');
      await writeTfBundle(prefix, tensors, metadata, options);
      for (const file of ['model.ckpt.index', 'model.ckpt.data-00000-of-00001']) {
        expect(fs.readFileSync(path.join(path.dirname(prefix), file)).equals(fs.readFileSync(path.join(folder, file))), file).toBe(true);
      }
      const back = await readTfBundle(prefix);
      expect(back.metadata).toEqual(metadata);
      expect([...back.tensors.keys()]).toEqual(tensors.map((t) => t.name).sort());
    });

    it.skipIf(GENERATE)(`${name}: tf.train.load_checkpoint read every name, dtype, shape and value`, () => {
      const read = JSON.parse(fs.readFileSync(path.join(folder, 'tf-read.json'), 'utf8')) as Record<string, TfRead>;
      const expected: Record<string, TfRead> = {};
      for (const t of tensors) expected[t.name] = { dtype: t.dtype, shape: [...t.shape], values: t.dtype === 'bool' ? Array.from(t.data, Boolean) : Array.from(t.data) };
      if (Object.keys(metadata).length) expected['_STRATA_METADATA'] = { dtype: 'string', shape: [], values: [JSON.stringify(metadata)] };
      expect(read).toEqual(expected);
    });

    it.skipIf(GENERATE)(`${name}: TF's own Saver writes the same data shard and index entries for the same values`, () => {
      const ours = (file: string) => fs.readFileSync(path.join(folder, file));
      const tfs = (file: string) => fs.readFileSync(path.join(folder, 'tf-resaved', file));
      expect(tfs('model.ckpt.data-00000-of-00001').equals(ours('model.ckpt.data-00000-of-00001'))).toBe(true);
      const entries = (b: Buffer) => readSstable(new Uint8Array(b), 'x').map((e) => [Buffer.from(e.key).toString('hex'), Buffer.from(e.value).toString('hex')]);
      expect(entries(tfs('model.ckpt.index'))).toEqual(entries(ours('model.ckpt.index')));
      // With TF's default 256 KiB blocks the whole .index is identical too.
      if (!options.blockSize) expect(tfs('model.ckpt.index').equals(ours('model.ckpt.index'))).toBe(true);
    });
  }
});
