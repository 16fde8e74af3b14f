// `pnpm --filter @strata/onnx-check compare CONFIG [CHECKPOINT]`: prints the agreement
// of the exported file, run by plain onnxruntime-node and onnxruntime-web, with Strata.
import { readFileSync } from 'node:fs';
import { compareExport } from './compare.js';

const [configPath, checkpoint] = process.argv.slice(2);
if (!configPath) {
  console.error('usage: compare CONFIG [CHECKPOINT]');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const r = await compareExport(config, { checkpoint, backend: config.backend ?? 'tfjs-wasm' });
console.log(`${configPath}${checkpoint ? ` @ ${checkpoint}` : ' (random weights)'}: ${r.examples} dev digits, model ${(r.modelBytes / 1e6).toFixed(2)} MB, near-ties ${r.nearTies}`);
for (const t of r.runtimes) {
  console.log(`  onnxruntime-${t.runtime}: argmax identical ${t.sameArgmax}/${r.examples}, max |p diff| ${t.maxAbsDiff.toExponential(2)}`);
}
