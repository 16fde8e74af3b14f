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
export { NumpyRandomState } from './returnn/numpy-random-state.js';
export { epochSeed, type GeneratingDatasetOptions, ReturnnDatasetError } from './returnn/generating-dataset.js';
export { Task12AXDataset, TASK_12AX_INPUT_CLASSES, TASK_12AX_OUTPUT_CLASSES, task12axTargets } from './returnn/task-12ax.js';
export { DummyDataset, type DummyDatasetOptions } from './returnn/dummy.js';
export { type StaticArray, StaticDataset, type StaticDatasetOptions } from './returnn/static.js';
export { CopyTaskDataset, type CopyTaskDatasetOptions } from './returnn/copy-task.js';
export { TASK_XML_MODELING_CLASSES, TaskXmlModelingDataset, type TaskXmlModelingDatasetOptions, taskXmlModelingTargets } from './returnn/task-xml-modeling.js';
export { convertNumberBase, TaskNumberBaseConvertDataset, type TaskNumberBaseConvertDatasetOptions } from './returnn/task-number-base-convert.js';
export { TASK_EPISODIC_COPY_CLASSES, TaskEpisodicCopyDataset, taskEpisodicCopyTargets } from './returnn/task-episodic-copy.js';
