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
export {
  CMUDICT_GRAPHEMES,
  CMUDICT_PHONEMES,
  CMUDICT_SPLIT_BUCKETS,
  type CmudictSplit,
  type CmudictSplits,
  cmudictSplitOf,
  loadCmudict,
  Vocabulary,
} from './cmudict.js';
export { type G2pScore, scoreG2p } from './g2p-score.js';
export { withEndOfSequence } from './end-of-sequence.js';
