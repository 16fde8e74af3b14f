export { Cast, type CastArgs, castLayer } from './cast.js';
export { Concat, type ConcatArgs, concatLayer } from './concat.js';
export { Split, type SplitArgs, splitLayer } from './split.js';
export { type SubOutputLayer, subOutputLayerOf } from './sub-outputs.js';
export { TopK, type TopKArgs, topKLayer } from './top-k.js';
export { SwapAxes, type SwapAxesArgs, swapAxesLayer } from './swap-axes.js';
export { TrainFlag, trainFlagLayer } from './train-flag.js';
export { Transpose, type TransposeArgs, transposeLayer } from './transpose.js';
export { RangeFromLength, type RangeFromLengthArgs, rangeFromLengthLayer } from './range-from-length.js';
