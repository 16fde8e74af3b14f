export { Linear, type LinearArgs } from './linear.js';
