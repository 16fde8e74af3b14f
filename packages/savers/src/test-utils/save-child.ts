// Child process of checkpoint-crash.test.ts: saves one large checkpoint with
// the real saveCheckpoint, so that the parent can SIGKILL it mid-save.
// Run: node --conditions=strata-source --import tsx save-child.ts <path> <megabytes>
// Prints `saving` before the call and `saved` after it returns.
import { saveCheckpoint } from '../checkpoint.js';

const [target, megabytes] = process.argv.slice(2);
if (!target || !(Number(megabytes) > 0)) throw new Error('usage: save-child.ts <path> <megabytes>');
const n = (Number(megabytes) * 2 ** 20) / 4;
// Non-zero values, so that a partial image could never pass for the old file by accident.
const data = new Float32Array(n).fill(2.5);
process.stdout.write('saving\n');
await saveCheckpoint(target, [{ name: 'big', shape: [n], dtype: 'float32', data }], { epoch: '2' });
process.stdout.write('saved\n');
