// Leaks (#8) on tfjs-wasm: see defineLeakTests.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { defineLeakTests } from './test-utils/leak-harness.js';

defineLeakTests(
  'tfjs-wasm',
  async () => {
    registerTfjsBackends();
    await setBackend('tfjs-wasm');
  },
);
