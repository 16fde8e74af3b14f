export { ConstantLayer, type ConstantArgs, constantBatchLayer, constantDType, constantLayer, staticData, withBatchAxis } from './constant.js';
export { Range, type RangeArgs, rangeLayer } from './range.js';
export { RangeInAxis, type RangeInAxisArgs, rangeInAxisLayer } from './range-in-axis.js';
export { Switch, type SwitchArgs, switchLayer } from './switch.js';
export { VariableLayer, type VariableLayerArgs, variableBatchLayer, variableLayer } from './variable.js';
