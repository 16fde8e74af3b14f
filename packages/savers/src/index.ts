export { CHECKPOINT_FORMAT, type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export {
  CheckpointError,
  CheckpointFormatError,
  CheckpointMismatchError,
  CheckpointNotFoundError,
  type TensorMismatch,
} from './errors.js';
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
export { loadVariables, type LoadVariablesOptions, saveVariables } from './variables.js';
