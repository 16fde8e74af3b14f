#!/usr/bin/env node
// Runs an ONNX file with plain onnxruntime-node or onnxruntime-web: no Strata
// import, to prove an exported file stands alone.
//
//   node predict.mjs <node|web> <model.onnx> <inputs.f32> <dims> <out.f32> [batch]
//
// inputs.f32: raw little-endian float32 values of shape <dims> (comma-separated,
// batch first, e.g. 2000,784). The model's first input is fed in batches of
// [batch] (default 256) rows; the first output is written to out.f32 and its
// shape printed as JSON on stdout.
import { readFile, writeFile } from 'node:fs/promises';

const [runtime, modelPath, inputPath, dimsArg, outPath, batchArg] = process.argv.slice(2);
if (!outPath || !['node', 'web'].includes(runtime)) {
  console.error('usage: node predict.mjs <node|web> <model.onnx> <inputs.f32> <dims> <out.f32> [batch]');
  process.exit(2);
}
const ort = runtime === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web');
if (runtime === 'web') ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(new Uint8Array(await readFile(modelPath)));
const dims = dimsArg.split(',').map(Number);
const buf = await readFile(inputPath);
const inputs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
const batch = Number(batchArg ?? 256);
const parts = [];
let outShape = [];
for (let start = 0; start < dims[0]; start += batch) {
  const n = Math.min(batch, dims[0] - start);
  const x = new ort.Tensor('float32', inputs.slice(start * rowSize, (start + n) * rowSize), [n, ...dims.slice(1)]);
  const result = await session.run({ [session.inputNames[0]]: x });
  const y = result[session.outputNames[0]];
  parts.push(y.data);
  outShape = [dims[0], ...y.dims.slice(1)];
}
const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
let o = 0;
for (const p of parts) {
  out.set(p, o);
  o += p.length;
}
await writeFile(outPath, Buffer.from(out.buffer));
console.log(JSON.stringify({ runtime, input: session.inputNames[0], output: session.outputNames[0], shape: outShape }));
