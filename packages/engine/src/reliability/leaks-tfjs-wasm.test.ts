// Leaks (#8) on tfjs-wasm: see defineLeakTests.
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { defineLeakTests } from './test-utils/leak-harness.js';

defineLeakTests('tfjs-wasm', registerTfjsBackends);
