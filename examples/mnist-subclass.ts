// A config whose model is TypeScript code (RETURNN's get_model), not a net dict:
//   npx -y pnpm@10 strata train examples/mnist-subclass.ts
// The model is the README's Network subclass; the engine trains it with `loss` on `target`.
import { MnistMlp } from './models/mnist-mlp.js';

export default {
  backend: 'onnxruntime',
  dataset: 'mnist',
  extern_data: { data: { shape: [784] }, classes: { shape: [], dim: 10, sparse: true } },
  get_model: () => new MnistMlp({ name: 'mlp' }),
  loss: 'ce',
  target: 'classes',
  batch_size: 64,
  num_epochs: 15,
  optimizer: { class: 'adam' },
  learning_rate: 0.001,
  learning_rate_decay: 0.85,
};
