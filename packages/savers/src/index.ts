export { CHECKPOINT_FORMAT, type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export {
  CheckpointArgumentError,
  CheckpointError,
  CheckpointFormatError,
  type CheckpointFormatErrorOptions,
  CheckpointNotFoundError,
  type CheckpointNotFoundErrorOptions,
} from './errors.js';
export {
  CheckpointMappingError,
  type CheckpointMappingErrorOptions,
  CheckpointMismatchError,
  type CheckpointMismatchErrorOptions,
  type MappedMismatch,
  type TensorMismatch,
  type UnmappedParam,
  type UnusedTensor,
} from './mismatch-errors.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type NamedTensorData,
  parseSafetensorsHeader,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsContents,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors.js';
export {
  type Checkpointable,
  type CheckpointMappingOptions,
  type CheckpointSummary,
  load,
  type LoadOptions,
  type LoadResult,
  type OptimizerCheckpointState,
  type OptimizerJsonState,
  save,
  type SaveOptions,
} from './save-load.js';
export { OPTIMIZER_PREFIX, type SlotTensor } from './checkpoint-entries.js';
export { LstmLayoutError } from './errors.js';
export {
  CheckpointLoader,
  type CheckpointLoaderMappingOptions,
  type CheckpointLoaderOptions,
  type CheckpointTensors,
  type CustomMissingLoader,
  type LoadReport,
  type ValueOrigin,
  type VariableValue,
} from './loader/checkpoint-loader.js';
export {
  type ForgetBiasOptions,
  KERAS_GATE_ORDER,
  type KerasLstm,
  kerasToOnnxLstm,
  kerasToReturnnNativeLstm,
  kerasToTf1Lstm,
  type LstmGate,
  type LstmGateOrder,
  ONNX_GATE_ORDER,
  type OnnxLstm,
  onnxToKerasLstm,
  reorderGates,
  RETURNN_NATIVE_GATE_ORDER,
  type ReturnnNativeLstm,
  returnnNativeToKerasLstm,
  TF1_GATE_ORDER,
  tf1BlockToKerasLstm,
  type Tf1Lstm,
} from './loader/lstm-layouts.js';
export { type LstmLayout, type LstmMatch, matchLstm } from './loader/lstm-match.js';
export { CELL_SUBSCOPES, LOCAL_NAME_CLASSES, renameCandidates } from './loader/renames.js';
export {
  CheckpointChecksumError,
  type CheckpointChecksumErrorOptions,
  CheckpointCrcError,
  type CheckpointCrcErrorOptions,
  CheckpointFileError,
  type CheckpointFileErrorOptions,
  CheckpointWriteError,
  type CheckpointWriteErrorOptions,
  CheckpointWriteUnsupportedError,
  type CheckpointWriteUnsupportedErrorOptions,
  UnknownCheckpointFormatError,
  type UnknownCheckpointFormatErrorOptions,
  UnsafeEntryPathError,
  type UnsafeEntryPathErrorOptions,
} from './errors.js';
export { CHECKSUM_METADATA_KEY, type EncodeSafetensorsOptions } from './safetensors.js';
export {
  type CheckpointContents,
  type CheckpointFormat,
  DEFAULT_SHARD_BYTES,
  type NamedTensors,
  type TensorsInput,
  type WriteCheckpointOptions,
} from './formats/format.js';
export { kerasFormat, kerasH5Format } from './formats/keras.js';
export { onnxFormat } from './formats/onnx.js';
export {
  CHECKPOINT_FORMATS,
  type CheckpointFile,
  checkpointFormat,
  detectCheckpointFormat,
  readCheckpointFile,
  WRITABLE_CHECKPOINT_FORMATS,
  writeCheckpointFile,
  type WriteCheckpointFileOptions,
} from './formats/registry.js';
export { safetensorsFormat } from './formats/safetensors.js';
export { tfjsFormat } from './formats/tfjs.js';
export { tfBundleFormat } from './formats/tf-bundle/bundle-format.js';
export { readTfBundle } from './formats/tf-bundle/bundle-reader.js';
export { type EncodedTfBundle, encodeTfBundle, type TfBundleWriteOptions, writeTfBundle } from './formats/tf-bundle/bundle-writer.js';
export { STRATA_METADATA_KEY } from './formats/tf-bundle/string-tensor.js';
export { assignVariableValue, type CustomPostInitTarget, setAsCustomInit } from './loader/custom-init.js';
export { CustomParamImporter, type CustomParamImporterOptions, type ParamValuesSetter } from './loader/custom-param-importer.js';
export { type NamedLayer, returnnParamsOf } from './loader/returnn-export.js';
