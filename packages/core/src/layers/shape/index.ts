export { Cumsum, type CumsumArgs, cumsumLayer } from './cumsum.js';
export { ExpandDims, type ExpandDimsArgs, type ExpandDimsAxis, expandDimsLayer } from './expand-dims.js';
export { PAD_MODES, Pad, type PadArgs, type PadMode, padLayer } from './pad.js';
export { Repeat, type RepeatArgs, repeatLayer } from './repeat.js';
export { axesInData, axisInData, seqAxisInData } from './axis-in-data.js';
export { ShiftAxis, type ShiftAxisArgs, shiftAxisLayer } from './shift-axis.js';
export { Squeeze, type SqueezeArgs, squeezeLayer } from './squeeze.js';
export { Tile, type TileArgs, tileLayer } from './tile.js';
