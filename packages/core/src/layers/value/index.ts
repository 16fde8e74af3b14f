export { ConstantLayer, type ConstantArgs, constantDType, constantLayer, staticData } from './constant.js';
export { Range, type RangeArgs, rangeLayer } from './range.js';
export { RangeInAxis, type RangeInAxisArgs, rangeInAxisLayer } from './range-in-axis.js';
export { Switch, type SwitchArgs, switchLayer } from './switch.js';
export { VariableLayer, type VariableLayerArgs, variableLayer } from './variable.js';
