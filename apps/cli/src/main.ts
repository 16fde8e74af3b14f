#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { convertCommand } from './commands/convert.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { inferCommand } from './commands/infer.js';
import { inspectCommand } from './commands/inspect.js';
import { trainCommand } from './commands/train.js';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, received '${v}'`);
  return n;
};

const program = new Command()
  .name('strata')
  .description('Train and evaluate neural networks described by RETURNN-style configs.')
  .showHelpAfterError();

/** A command on a trained checkpoint of CONFIG (`eval`, `export`, `infer`): `--checkpoint`, `--backend` and `--model` (see openCheckpoint). */
const checkpointCommand = (name: string, description: string, backendHelp: string) =>
  program
    .command(name)
    .description(description)
    .argument('<config>', 'config file')
    .option('--checkpoint <path>', 'checkpoint file (default: the newest in the model dir)')
    .option('--backend <name>', backendHelp)
    .option('--model <dir>', 'checkpoint directory (overrides model)')
    .option('--model-module <file>', 'a .ts/.js module whose default export is the model (a Layer, a Model, or a function returning one)');

program
  .command('train')
  .description('train the network of CONFIG; resumes from the newest checkpoint in its model dir')
  .argument('<config>', 'config file (.json, .js, .mjs, .ts, .mts)')
  .option('--backend <name>', 'backend (tfjs-wasm, tfjs-cpu, tfjs-node, tfjs-node-gpu, onnxruntime); default: the config\'s')
  .option('--epochs <n>', 'number of epochs (overrides num_epochs)', positiveInt)
  .option('--model <dir>', 'checkpoint directory (overrides model)')
  .option('--model-module <file>', 'a .ts/.js module whose default export is the model (a Layer, a Model, or a function returning one)')
  .option('--no-progress', 'no progress bar')
  .action((config: string, opts) => trainCommand(config, opts));

checkpointCommand('eval', 'evaluate a checkpoint of CONFIG on the dev set', 'backend').action((config: string, opts) => evalCommand(config, opts));

checkpointCommand('export', 'write the inference graph of a checkpoint of CONFIG as a standalone file', 'backend holding the weights while tracing')
  .option('--format <format>', 'output format', 'onnx')
  .option('--out <file>', 'output file (default: the checkpoint path with .onnx)')
  .option('--opset <n>', 'ONNX opset, 17..26 (default 26)', positiveInt)
  .action((config: string, opts) => exportCommand(config, opts));

checkpointCommand('infer', 'run the output layer of a checkpoint of CONFIG on the dev inputs', 'backend (onnxruntime, onnxruntime-cuda, tfjs-wasm, ...)')
  .option('--batch-size <n>', 'examples per run (default 256)', positiveInt)
  .option('--output <file>', 'write predictions as JSON lines')
  .action((config: string, opts) => inferCommand(config, opts));

program
  .command('inspect')
  .description('list the tensors of a weight file (safetensors, tfjs model.json, .keras, .weights.h5, .h5, .onnx) with dtype, shape and bytes')
  .argument('<file>', 'the file (or a tfjs model directory)')
  .option('--format <name>', 'input format instead of detecting it (safetensors, tfjs, keras, keras-h5, onnx)')
  .option('--json', 'print one JSON object')
  .action(async (file: string, opts) => {
    await inspectCommand(file, opts);
  });

program
  .command('convert')
  .description('convert weights from any readable format to safetensors or a tfjs model.json + shards')
  .argument('<in>', 'input file (safetensors, tfjs model.json, .keras, .weights.h5, .h5, .onnx)')
  .argument('<out>', 'output file (.safetensors, or .json / a directory for tfjs)')
  .addOption(new Option('--format <format>', 'output format (default: from the extension of OUT)').choices(['safetensors', 'tfjs']))
  .option('--from <name>', 'input format instead of detecting it')
  .action(async (input: string, output: string, opts) => {
    await convertCommand(input, output, opts);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error;
  console.error(`strata: ${err.name ?? 'Error'}: ${err.message}`);
  if (process.env.STRATA_DEBUG) console.error(err.stack);
  process.exit(1);
});
