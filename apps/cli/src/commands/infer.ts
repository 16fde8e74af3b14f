import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { datasetsFor } from '../datasets.js';
import { type CheckpointOptions, openCheckpoint } from './checkpoint.js';
import { g2pTranscribe } from './g2p.js';

/** Options of `strata infer`. */
export interface InferOptions extends CheckpointOptions {
  output?: string;
  batchSize?: number;
}

/**
 * `strata infer CONFIG [--backend onnxruntime] [--checkpoint PATH] [--output FILE]`:
 * runs the output layer on the config's dev inputs and prints the predicted
 * classes (argmax), their agreement with the dev labels, and the time taken.
 * `--output` writes one JSON line per example: `{"index", "class", "probs"}`.
 * For a grapheme-to-phoneme config it reads words from stdin, one per line,
 * and prints each with its phonemes.
 */
export async function inferCommand(configPath: string, opts: InferOptions): Promise<void> {
  const { config, backend, engine, path, epoch } = await openCheckpoint(configPath, opts);
  const corpus = datasetsFor(config);
  if (corpus.g2p) {
    const words = readFileSync(0, 'utf8').split(/\s+/).filter(Boolean);
    const phonemes = g2pTranscribe(engine, corpus.g2p, words);
    words.forEach((w, i) => console.log(`${w}\t${phonemes[i]!.join(' ')}`));
    return;
  }
  const { dev } = corpus;
  const start = performance.now();
  const { values, shape } = engine.predict(dev, { batchSize: opts.batchSize ?? 256 });
  const ms = performance.now() - start;
  const classes = shape[shape.length - 1]!;
  const predicted = Array.from({ length: shape[0]! }, (_, i) => argMax(values.subarray(i * classes, (i + 1) * classes)));
  const inputs = new Set(engine.model.inputKeys());
  const target = engine.model.usedDataKeys().find((k) => !inputs.has(k));
  const labels = target ? predicted.map((_, i) => dev.example(i)[target]) : [];
  const agree = labels.filter((l, i) => l === predicted[i]).length;
  console.log(`checkpoint ${path} (epoch ${epoch}), backend ${backend}`);
  console.log(`${predicted.length} examples in ${ms.toFixed(0)} ms (${((1000 * predicted.length) / ms).toFixed(0)} examples/s)`);
  console.log(`first predictions: ${predicted.slice(0, 20).join(' ')}`);
  if (labels.length) console.log(`agreement with '${target}': ${((100 * agree) / predicted.length).toFixed(2)}%`);
  if (opts.output) {
    const lines = predicted.map((c, i) => JSON.stringify({ index: i, class: c, probs: Array.from(values.subarray(i * classes, (i + 1) * classes)) }));
    await writeFile(opts.output, lines.join('\n') + '\n');
    console.log(`wrote ${opts.output}`);
  }
}

function argMax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
