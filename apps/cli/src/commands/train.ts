import { sizeOf } from '@strata/backend';
import { loadConfig } from '../config.js';
import { datasetsFor } from '../datasets.js';
import { activateBackend, buildEngine } from '../setup.js';

/** `strata train CONFIG`: trains, one summary line and checkpoint per epoch, then prints the dev accuracy. */
export async function trainCommand(
  configPath: string,
  opts: { backend?: string; epochs?: number; model?: string; progress?: boolean; modelModule?: string },
): Promise<void> {
  const config = await loadConfig(configPath, { modelGiven: opts.model !== undefined });
  // RETURNN .config: what was read but not used (logging, device, helper variables, imports).
  if (config.notes?.length) console.log(`${config.name}: not used from the RETURNN config:\n  ${config.notes.join('\n  ')}`);
  const backend = opts.backend ?? config.backend;
  await activateBackend(backend);
  const engine = await buildEngine(config, opts);
  const { train, dev } = datasetsFor(config);
  console.log(
    `strata train ${config.name}: backend ${backend}, ${engine.model.variables.reduce((n, v) => n + sizeOf(v.shape), 0)} params, ` +
      `${train.size} train / ${dev.size} dev examples, model dir ${engine.options.modelDir}`,
  );
  const result = await engine.train(train, dev);
  const final = result.history.at(-1)?.dev ?? engine.evaluate(dev);
  console.log(`dev accuracy: ${(100 * final.accuracy).toFixed(2)}% (${dev.size} examples, ${engine.options.epochs} epochs)`);
}
