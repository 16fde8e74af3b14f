export { CombineDims, type CombineDimsArgs, combineDimsLayer } from './combine-dims.js';
export { Dot, type DotArgs, dotLayer } from './dot.js';
export { FlattenBatch, type FlattenBatchArgs, flattenBatchLayer } from './flatten-batch.js';
export { Norm, type NormArgs, normLayer } from './norm.js';
export { ReinterpretData, type ReinterpretDataArgs, reinterpretDataLayer } from './reinterpret-data.js';
export { type ReturnnAxes, returnnAxes, returnnAxis, returnnAxesSchema, timeAxisOf } from './returnn-axes.js';
export { SeqLenMask, type SeqLenMaskArgs, seqLenMaskLayer } from './seq-len-mask.js';
export { SliceNd, type SliceNdArgs, sliceNdLayer } from './slice-nd.js';
export { UnflattenNd, type UnflattenNdArgs, unflattenNdLayer } from './unflatten-nd.js';
