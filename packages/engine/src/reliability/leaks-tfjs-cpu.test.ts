// Leaks (#8) on tfjs-cpu: see defineLeakTests.
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { defineLeakTests } from './test-utils/leak-harness.js';

defineLeakTests(
  'tfjs-cpu',
  async () => {
    registerTfjsBackends();
    await setBackend('tfjs-cpu');
  },
);
