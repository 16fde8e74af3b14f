export {
  loadMnist,
  MNIST_CLASSES,
  MNIST_DEFAULT_SEED,
  MNIST_DIGIT_COUNTS,
  MNIST_PIXELS,
  MNIST_SIZE,
  MNIST_TRAIN_SIZE,
  mnistSplit,
  type MnistOptions,
  type MnistSplits,
} from './mnist.js';
