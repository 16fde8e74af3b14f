// Child process of faults.test.ts: trains (see train-blobs.ts) with checkpoints
// in <modelDir>, resuming from the newest one, so that the parent can SIGKILL
// it at any point. Run: node --conditions=strata-source --import tsx train-child.ts <modelDir> <epochs>
// Prints the engine's lines (`resuming from ...`, `epoch k/E | ...`) and `done` at the end.
import { writeSync } from 'node:fs';
import { trainBlobs } from './train-blobs.js';

const [modelDir, epochs] = process.argv.slice(2);
if (!modelDir || !(Number(epochs) > 0)) throw new Error('usage: train-child.ts <modelDir> <epochs>');
// writeSync: the parent sees each line before the process can be killed after it.
await trainBlobs(modelDir, Number(epochs), (line) => writeSync(1, `${line}\n`));
writeSync(1, 'done\n');
