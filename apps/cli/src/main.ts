#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { evalCommand } from './commands/eval.js';
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

program
  .command('train')
  .description('train the network of CONFIG; resumes from the newest checkpoint in its model dir')
  .argument('<config>', 'config file (.json, .js, .mjs, .ts, .mts)')
  .option('--backend <name>', 'backend (tfjs-wasm, tfjs-cpu, tfjs-node, tfjs-node-gpu); default: the config\'s')
  .option('--epochs <n>', 'number of epochs (overrides num_epochs)', positiveInt)
  .option('--model <dir>', 'checkpoint directory (overrides model)')
  .option('--no-progress', 'no progress bar')
  .action((config: string, opts) => trainCommand(config, opts));

program
  .command('eval')
  .description('evaluate a checkpoint of CONFIG on the dev set')
  .argument('<config>', 'config file')
  .option('--checkpoint <path>', 'checkpoint file (default: the newest in the model dir)')
  .option('--backend <name>', 'backend')
  .option('--model <dir>', 'checkpoint directory (overrides model)')
  .action((config: string, opts) => evalCommand(config, opts));

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error;
  console.error(`strata: ${err.name ?? 'Error'}: ${err.message}`);
  if (process.env.STRATA_DEBUG) console.error(err.stack);
  process.exit(1);
});
