export type { Dataset, Example } from './dataset.js';
