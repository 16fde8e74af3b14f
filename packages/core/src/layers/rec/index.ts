export { type RecCell, type RecStep, splitGates } from './cell.js';
export { type GruCellOptions, gruCell } from './gru-cell.js';
export { type LstmCellOptions, lstmCell, UnitForgetBias } from './lstm-cell.js';
export { Orthogonal, recInitializer } from './orthogonal.js';
export { Rec, type RecArgs, REC_UNITS, type RecUnit } from './rec.js';
export { simpleRnnCell } from './simple-rnn-cell.js';
export { RnnCell } from './rnn-cell.js';
