import { getBackend, ops, registerBackend, setBackend, type Tensor } from '@strata/backend';
import { loadOrtNative, OrtBackend } from '@strata/backend-onnxruntime';
import { INFERENCE } from '@strata/core';
import * as ort from 'onnxruntime-node';
import { loadBenchData } from './src/data.js';
import { buildEngine, modelSpecs } from './src/models.js';
let original = false; // true: sessions load with the options before the fix (no force_spinning_stop)
const nat = loadOrtNative();
const orig = nat.createSession;
nat.createSession = () => {
  const s = orig();
  return { loadModel: (b, o, l, opts) => s.loadModel(b, o, l, original ? { ...opts, extra: {} } : opts), run: (f, fe, op) => s.run(f, fe, op), dispose: () => s.dispose() };
};
registerBackend('ort-a', () => new OrtBackend({ name: 'ort-a' }));
registerBackend('ort-b', () => new OrtBackend({ name: 'ort-b' }));
const spec = modelSpecs().find((s) => s.key === process.argv[2])!;
const data = loadBenchData(spec.config.seed);
const mk = async (name: string, orig: boolean) => {
  await setBackend(name);
  original = orig;
  const net = (await buildEngine(spec)).network;
  const fwd = getBackend().compile((x: Tensor) => net.forward({ data: x }, INFERENCE).get('output')!.value);
  const xs = data.batches.map((b) => ops.keep(ops.tensor(b.pixels, [b.size, 784], 'float32')));
  for (const x of xs) ops.tidy(() => ops.readSync(fwd(x)));
  if (name === 'ort-b') await net.exportOnnx('/tmp/ab-model.onnx');
  return async () => { await setBackend(name); for (const x of xs) ops.tidy(() => ops.readSync(fwd(x))); };
};
const before = await mk('ort-a', true);
const after = await mk('ort-b', false);
original = false;
const session = await ort.InferenceSession.create('/tmp/ab-model.onnx');
const feeds = data.batches.map((b) => new ort.Tensor('float32', b.pixels, [b.size, 784]));
const raw = async () => { for (const f of feeds) (await session.run({ data: f })).output!.data; };
await raw();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t: Record<string, number[]> = { before: [], after: [], raw: [] };
const fns = { before, after, raw } as Record<string, () => Promise<void>>;
for (let r = 0; r < 11; r++) for (const k of Object.keys(fns)) { await sleep(100); const t0 = performance.now(); await fns[k]!(); t[k]!.push(performance.now() - t0); }
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
for (const k of Object.keys(t)) console.log(`${spec.key} ${k.padEnd(7)} median ${med(t[k]!).toFixed(1)} ms, min ${Math.min(...t[k]!).toFixed(1)} ms`);
